"""Failover: the time to a report when the first provider refuses connections, its breaker closed vs open.

Chain: `down` (a closed loopback port: every connection refused) then `up` (the loopback provider server,
answering at once). Closed: `down` is tried under the default retry policy (3 tries, backoff from 0.5 s with
jitter) before `up` answers; its breaker is reset before every run so it stays closed. Open: the breaker is
opened once (failure_threshold = 1, a long cooldown), so `down` is skipped without a connection. Each run is a
whole `stepper report --no-cache` process; `python -c pass` runs alongside for scale. No target is set: the
figure shows what an open breaker saves each report while a provider is down.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from benchmarks.common import STEPPER, Result, python_pass, scratch, side_by_side, time_process

RUNS = 7
_CONFIG = """
[[providers]]
name = "down"
kind = "openai"
model = "m"
base_url = "{down}/v1"
api_key_env = ""
rps = 1000
concurrency = 8
[providers.breaker]
failure_threshold = {threshold}
cooldown_seconds = 3600

[[providers]]
name = "up"
kind = "openai"
model = "m"
base_url = "{up}/v1"
api_key_env = ""
rps = 1000
concurrency = 8
"""


def run() -> list[Result]:
    from tests.support.provider_server import ProviderServer, refused_url

    with ProviderServer() as server, scratch(commits=1) as repo:
        closed_cfg, open_cfg = (_config(repo, name, refused_url(), server.url, n) for name, n in (("closed", 1000),
                                                                                              ("open", 1)))  # fmt: skip
        report = [STEPPER, "report", "--no-cache", "--format", "json"]
        attempts = _attempts(report, repo, closed_cfg)
        _attempts(report, repo, open_cfg)  # opens the breaker of `down` in the open side's home
        ms = side_by_side(
            RUNS,
            base=python_pass(repo),
            closed=lambda: _closed(report, repo, closed_cfg),
            open=lambda: time_process(report, repo, env=_env(open_cfg)),
        )
        skipped = _attempts(report, repo, open_cfg)
    return [
        Result("python -c pass", ms["base"], "ms"),
        Result("report, first provider refused, breaker closed", ms["closed"], "ms", note=attempts),
        Result("report, first provider refused, breaker open", ms["open"], "ms", note=skipped),
        Result("  closed ÷ open", ms["closed"] / ms["open"], "×"),
    ]


def _config(repo: Path, name: str, down: str, up: str, threshold: int) -> Path:
    path = repo.parent / f"{name}.toml"
    path.write_text(_CONFIG.format(down=down, up=up, threshold=threshold))
    return path


def _env(config: Path) -> dict[str, str]:
    """Each config has its own STEPPER_HOME: breaker state is shared by every process of one home."""
    return {**os.environ, "STEPPER_CONFIG": str(config), "STEPPER_HOME": str(config.with_suffix(".home"))}


def _closed(report: list[str], repo: Path, config: Path) -> float:
    subprocess.run([STEPPER, "providers", "reset", "down"], cwd=repo, env=_env(config), check=True, capture_output=True)
    return time_process(report, repo, env=_env(config))


def _attempts(report: list[str], repo: Path, config: Path) -> str:
    """One run's attempts, as `provider:outcome/error` words."""
    out = subprocess.run(report, cwd=repo, env=_env(config), check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    words = [f"{a['provider']}:{a['error'] or a['outcome']}" for a in data["attempts"]]
    return " ".join(words) + f" → {data['provider']}"

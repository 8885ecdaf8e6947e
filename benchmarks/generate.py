"""Whole-process `stepper report --no-cache`: with one OpenAI-kind provider on an instant loopback server
(target ≤ 12×) and offline on a 12-file commit (target ≤ 8×), each against `python -c pass` in the same run.

These are the reports a person waits for by hand: nothing cached, the evidence built and redacted, the chain
(or the local analyzer) asked. The loopback server answers at once, so the figure is stepper's own cost.
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.common import STEPPER, Result, git, python_pass, scratch, side_by_side, time_process

RUNS = 11
TARGET_PROVIDER = 12.0
TARGET_OFFLINE = 8.0
_CONFIG = """[[providers]]
name = "primary"
kind = "openai"
model = "m"
base_url = "{url}/v1"
api_key_env = ""
rps = 1000
concurrency = 8
"""


def run() -> list[Result]:
    from tests.support.provider_server import ProviderServer

    with ProviderServer() as server, scratch(commits=1) as repo:
        make_commit(repo)
        config = repo.parent / "config.toml"
        config.write_text(_CONFIG.format(url=server.url))
        env = {**os.environ, "STEPPER_CONFIG": str(config)}
        report = [STEPPER, "report", "--no-cache", "--format", "json"]
        time_process(report, repo, env=env)  # the settings snapshot, the breaker and limit state exist from here on
        ms = side_by_side(
            RUNS,
            base=python_pass(repo),
            provider=lambda: time_process(report, repo, env=env),
            offline=lambda: time_process([*report, "--offline"], repo),
        )
        answered = len(server.requests)
    base, provider, offline = ms["base"], ms["provider"] / ms["base"], ms["offline"] / ms["base"]
    return [
        Result("python -c pass", base, "ms"),
        Result(
            "report --no-cache, one provider (loopback)",
            provider,
            "×",
            f"≤ {TARGET_PROVIDER:g}×",
            provider <= TARGET_PROVIDER,
            f"{ms['provider']:.0f} ms; {answered} requests answered",
        ),
        Result(
            "report --offline --no-cache, 12 files",
            offline,
            "×",
            f"≤ {TARGET_OFFLINE:g}×",
            offline <= TARGET_OFFLINE,
            f"{ms['offline']:.0f} ms",
        ),
    ]


def make_commit(repo: Path) -> None:
    """A commit of 12 files across a few folders: code, tests, docs."""
    names = [f"src/mod{i}.py" for i in range(6)] + [f"tests/test_mod{i}.py" for i in range(4)]
    names += ["docs/guide.md", "README.md"]
    for i, name in enumerate(names):
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"def f{i}_{n}(x):\n    return x + {n}\n\n" for n in range(10)))
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "feat: twelve files", "-m", "So that the benchmark has something to read.", cwd=repo)

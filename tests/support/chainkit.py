"""Chains against the loopback provider server, for tests: settings, a fake clock, a request, and a
process entry point for the multi-process drills.

    python -m tests.support.chainkit --settings '<Settings as JSON>' [--count N] [--wait-go]

runs the chain N times in this process (store under $STEPPER_HOME) and prints one JSON line per report
({"provider", "fallback", "attempts"}). With --wait-go it first prints "ready" and waits for a line on
stdin, so that several processes start at the same moment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from stepper_cli.api import ReportOptions
from stepper_cli.config.settings import Settings, validated
from stepper_cli.providers.base import Prompt
from stepper_cli.providers.registry import Adapters
from stepper_cli.report.model import Report
from stepper_cli.resilience import ChainOutcome, ChainRequest, build_chain
from stepper_cli.store import Store, open_store

SHA = "0123456789abcdef0123456789abcdef01234567"
PROMPT = Prompt(system="You write commit reports as JSON.", user="diff --git a/x.py b/x.py\n+print('hi')")
LOCAL_REPORT = Report(
    title="Local analyzer report title",
    summary="The local analyzer wrote this report because no provider gave one in time for it.",
    changes=["Something changed"],
    rationale="A rationale of twenty characters or more.",
    impact_and_tests="Impact and tests of twenty characters.",
)
#: fast defaults for tests: tiny backoff, short timeouts, limits that never get in the way
FAST_RETRY = {"max_attempts": 3, "base_delay_seconds": 0.01, "deadline_seconds": 120}


class FakeClock:
    """A clock that only moves when told to or when slept on; `sleeps` records every sleep."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def provider(name: str, base_url: str, kind: str = "openai", **overrides: Any) -> dict[str, Any]:
    """A [[providers]] entry for the loopback server (keyless openai by default)."""
    entry: dict[str, Any] = {"name": name, "kind": kind, "base_url": base_url, "model": "test-model"}
    entry.update({"api_key_env": "", "timeout_seconds": 0.3, "rps": 1000.0, "concurrency": 8})
    entry.update(overrides)
    return entry


def config_file(path: Path, *providers: dict[str, Any], **retry: Any) -> Path:
    """Write a config file: a [retry] table (fast backoff unless retry says otherwise) and one [[providers]]
    table per entry. Values are written as JSON, whose strings, numbers and booleans TOML reads the same."""
    lines = ["[retry]", *_assignments({"base_delay_seconds": 0.01, **retry})]
    for entry in providers:
        lines += ["[[providers]]", *_assignments(entry)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _assignments(table: dict[str, Any]) -> list[str]:
    return [f"{key} = {json.dumps(value)}" for key, value in table.items()]


def make_settings(*providers: dict[str, Any], **sections: Any) -> Settings:
    """Settings with these providers and fast retries (sections override, e.g. breaker={...})."""
    return validated(Settings, {"providers": list(providers), "retry": FAST_RETRY, **sections})


def request(subject: str = SHA) -> ChainRequest:
    """A chain request with a fixed prompt and a recognisable local report."""
    return ChainRequest(subject, lambda template: PROMPT, lambda: LOCAL_REPORT)


def idle_adapters() -> Adapters:
    """Adapters for a chain that must never send anything (asking them for a client fails the test)."""

    def no_client() -> Any:
        raise AssertionError("this chain was not meant to send a request")

    return Adapters(no_client)


def run_chain(settings: Settings, store: Store, options: ReportOptions | None = None, **kw: Any) -> ChainOutcome:
    """Build the chain (on adapters of its own, on their own client) and run one request through it."""
    env = kw.get("env", os.environ)
    with Adapters.opened(env) as adapters, build_chain(settings, options or ReportOptions(), store, adapters=adapters,
                                                       **kw) as chain:  # fmt: skip
        return chain.run(request())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.chainkit")
    parser.add_argument("--settings", required=True, help="Settings as a JSON object")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--wait-go", action="store_true")
    args = parser.parse_args(argv)
    settings = validated(Settings, json.loads(args.settings))
    with (
        open_store("") as store,
        Adapters.opened() as adapters,
        build_chain(settings, ReportOptions(), store, adapters=adapters) as chain,
    ):
        if args.wait_go:
            print("ready", flush=True)
            sys.stdin.readline()
        for _ in range(args.count):
            out = chain.run(request())
            row = {
                "provider": out.provider,
                "fallback": out.fallback,
                "attempts": [a.model_dump() for a in out.attempts],
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

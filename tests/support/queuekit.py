"""Helpers for the queue tests: real worker processes, a provider config for the loopback server, waits
with deadlines, and direct looks into the store (ledger jobs, cache entries)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stepper_cli.cache.reports import REPORT_PREFIX
from stepper_cli.jobs.ledger import JOB_PREFIX, Job, Ledger
from stepper_cli.store import open_store
from tests.support.chainkit import config_file, provider

ROOT = Path(__file__).resolve().parents[2]


def create_job(ledger: Ledger, key: str, commit: str, repo_name: str, repo_path: str, priority: int = 0) -> Job:
    """A queued job in the ledger, written as an enqueue writes it (no queue message)."""
    job = ledger.record(key, commit, repo_name, repo_path, priority)
    ledger.store.write_many([ledger.staged(job, lambda: True)])
    return job


def provider_config(
    path: Path, base_url: str, *, timeout: float = 10.0, attempts: int = 1, concurrency: int = 32
) -> Path:
    """Write a config file with one openai-protocol provider at base_url (no key; no retries unless attempts)."""
    entry = provider("primary", base_url, model="test", timeout_seconds=timeout, concurrency=concurrency)
    return config_file(path, entry, max_attempts=attempts)


def start_worker(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `python -m stepper_cli worker ARGS` in its own process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "stepper_cli", "worker", *args], cwd=cwd, env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str, str]:
    """Wait for a process (killing it after timeout) and return its exit code and output."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"process still running after {timeout} s:\n{err}") from None
    return proc.returncode, out, err


def wait_until(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll check() until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def jobs(url: str = "") -> list[dict[str, Any]]:
    """Every ledger record in the store."""
    with open_store(url) as store:
        return [job for _, job in store.scan(JOB_PREFIX)]


def reports(url: str = "") -> list[dict[str, Any]]:
    """Every report cache entry in the store."""
    with open_store(url) as store:
        return [entry for _, entry in store.scan(REPORT_PREFIX)]


def age_reports(seconds: float, url: str = "") -> None:
    """Make every cached report look `seconds` older."""
    with open_store(url) as store:
        for key, entry in list(store.scan(REPORT_PREFIX)):
            if "written_at" in entry:
                store.put(key, {**entry, "written_at": entry["written_at"] - seconds})


def parse(out: str) -> Any:
    return json.loads(out)

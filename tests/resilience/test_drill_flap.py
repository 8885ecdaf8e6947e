"""Fault drill: a provider that flaps (up 2 s, down 2 s) under a steady queue.

The breaker opens while the provider is down and closes again when it is back; no job is lost; reports
made by the local analyzer meanwhile are fallbacks, and they are upgraded to the provider's once it is back.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

from stepper_cli.api import enqueue_report
from stepper_cli.store import open_store
from tests.jobs.test_drill_crash import fast_commits
from tests.resilience.test_drill_429 import set_scenario
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer
from tests.support.queuekit import finish, jobs, provider_config, reports, start_worker, wait_until

COMMITS = 40
PHASES = ("ok", "503", "ok", "503", "ok")  # 2 s each
ENQUEUE_EVERY = 0.2


def test_a_flapping_provider_opens_and_closes_the_breaker_and_fallbacks_are_upgraded(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, *shas = fast_commits(repo, COMMITS + 1)
    with ProviderServer() as server:
        config = provider_config(tmp_path / "config.toml", f"{server.url}/v1")
        config.write_text(
            config.read_text()
            + "[breaker]\nfailure_threshold = 2\nwindow_seconds = 30\ncooldown_seconds = 0.5\n"
            + "[cache]\nfallback_stale_seconds = 1\n"
        )
        monkeypatch.setenv("STEPPER_CONFIG", str(config))
        monkeypatch.setenv("STEPPER_QUEUE__LEASE_SECONDS", "2")
        states: list[str] = []
        stop = threading.Event()
        watcher = threading.Thread(target=watch_breaker, args=(states, stop), daemon=True)
        feeder = threading.Thread(target=feed, args=(repo, shas, stop), daemon=True)
        worker = start_worker("--concurrency", "2", cwd=repo.path)
        try:
            watcher.start()
            feeder.start()
            for scenario in PHASES:
                set_scenario(server, scenario)
                time.sleep(2.0)
            feeder.join(timeout=30)
            wait_until(lambda: all_done(COMMITS), timeout=30, what="every job done")
            first = {e["commit"]: e["result"] for e in reports()}
            time.sleep(1.1)  # the fallback reports go stale
            again = enqueue_report(f"{root}..HEAD", repo=repo.path)
            wait_until(lambda: all_done(COMMITS + sum(r.status == "stale" for r in again)), timeout=30, what="refresh")
        finally:
            stop.set()
            worker.send_signal(signal.SIGTERM)
            code, _, err = finish(worker)
        final = {e["commit"]: e["result"] for e in reports()}
    assert code == 0, err
    fell_back = {sha for sha, result in first.items() if result["fallback"]}
    assert len(first) == COMMITS and fell_back and len(fell_back) < COMMITS  # some in each phase
    skipped = [a for r in first.values() for a in r["attempts"] if a["error"] == "circuit_open"]
    assert skipped  # the breaker switched the provider off while it was down
    assert "open" in states and "closed" in states[states.index("open") :]  # ... and on again
    assert {r.commit for r in again if r.status == "stale"} == fell_back  # each fallback is refreshed
    assert {(r["provider"], r["fallback"]) for r in final.values()} == {("primary", False)}
    assert len(final) == COMMITS and all(j["state"] == "done" for j in jobs())


def feed(repo: GitRepo, shas: list[str], stop: threading.Event) -> None:
    """A steady queue: one commit enqueued every ENQUEUE_EVERY seconds, as a busy repository's hook would."""
    for sha in shas:
        if stop.is_set():
            return
        enqueue_report(sha, repo=repo.path)
        time.sleep(ENQUEUE_EVERY)


def watch_breaker(states: list[str], stop: threading.Event) -> None:
    """Note each change of the provider's breaker state as the store shows it."""
    with open_store("") as store:
        while not stop.wait(0.02):
            state = (store.get("breaker:primary") or {"state": "closed"})["state"]
            if not states or states[-1] != state:
                states.append(state)


def all_done(count: int) -> bool:
    found = jobs()
    return len(found) >= count and all(j["state"] == "done" for j in found)

"""`stepper metrics`: Prometheus text that prometheus_client's own parser accepts, and textfile writing."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from stepper_cli.jobs.ledger import Ledger
from stepper_cli.store import counters as metrics
from stepper_cli.store import open_store
from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo
from tests.support.queuekit import create_job


def record_some() -> None:
    with open_store() as store:
        metrics.count(store, "stepper_ai_requests_total", provider="primary", status="ok")
        metrics.count(store, "stepper_ai_requests_total", provider="primary", status="ok")
        metrics.count(store, "stepper_ai_requests_total", provider="primary", status="error")
        metrics.count(store, "stepper_provider_failures_total", provider="primary", reason="rate_limited")
        metrics.count(store, "cache_hits_total", status="fresh")
        metrics.count(store, "stepper_jobs_processed_total", status="done")
        for seconds in (0.04, 0.3, 0.3, 7.0, 500.0):
            metrics.observe(store, "ai_request_duration_seconds", seconds, provider="primary")
        ledger = Ledger(store)
        for n in range(3):
            create_job(ledger, f"key{n}", f"{n:040d}", "repo", "/repo")
        ledger.claim(ledger.jobs()[0]["job_id"], "w1", 60)


def samples(text: str) -> dict[str, list[Sample]]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def value(found: list[Sample], name: str, **labels: str) -> float:
    return next(s.value for s in found if s.name == name and s.labels == labels)


def test_the_exposition_parses_and_holds_every_series() -> None:
    record_some()
    res = stepper_process("metrics")  # another process reads what this one counted
    assert res.code == 0, res.err
    found = samples(res.out)
    assert value(found["stepper_ai_requests"], "stepper_ai_requests_total", provider="primary", status="ok") == 2
    assert value(found["stepper_provider_failures"], "stepper_provider_failures_total", provider="primary",
                 reason="rate_limited") == 1  # fmt: skip
    assert value(found["stepper_cache_misses"], "stepper_cache_misses_total") == 0
    assert value(found["stepper_jobs_processed"], "stepper_jobs_processed_total", status="done") == 1
    assert value(found["stepper_queue_depth"], "stepper_queue_depth", state="queued") == 2
    assert value(found["stepper_queue_depth"], "stepper_queue_depth", state="running") == 1
    assert "# TYPE stepper_ai_request_duration_seconds histogram" in res.out


def test_histogram_buckets_are_cumulative_with_sum_and_count() -> None:
    record_some()
    hist = samples(stepper("metrics").out)["stepper_ai_request_duration_seconds"]
    bucket = {s.labels["le"]: s.value for s in hist if s.name.endswith("_bucket")}
    assert bucket["0.05"] == 1 and bucket["0.5"] == 3 and bucket["10.0"] == 4 and bucket["+Inf"] == 5
    assert list(bucket.values()) == sorted(bucket.values())
    assert value(hist, "stepper_ai_request_duration_seconds_count", provider="primary") == 5
    assert abs(value(hist, "stepper_ai_request_duration_seconds_sum", provider="primary") - 507.64) < 1e-9


def test_an_empty_store_is_still_a_valid_exposition() -> None:
    found = samples(stepper("metrics").out)
    assert value(found["stepper_cache_misses"], "stepper_cache_misses_total") == 0 and "stepper_queue_depth" in found


def test_textfile_is_written_atomically_and_readable_by_node_exporter(tmp_path: Path) -> None:
    record_some()
    target = tmp_path / "collector" / "stepper.prom"
    target.parent.mkdir()
    target.write_text("old\n")
    res = stepper("metrics", "--textfile", str(target))
    assert res.code == 0 and "Wrote" in res.out
    assert samples(target.read_text())["stepper_ai_requests"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["stepper.prom"]


def test_an_unwritable_textfile_is_a_usage_error_like_an_unwritable_output(tmp_path: Path, repo: GitRepo) -> None:
    res = stepper("metrics", "--textfile", str(tmp_path / "nope" / "x.prom"))
    assert res.code == 2 and "nope" in res.err and "Traceback" not in res.err
    repo.commit("feat: one", ("a.py", "x = 1\n"))
    out = stepper("report", "--output", str(tmp_path / "nope" / "r.txt"), cwd=repo.path)
    assert out.code == res.code and "nope" in out.err


def test_json_gives_the_same_numbers() -> None:
    record_some()
    data = json.loads(stepper("metrics", "--json").out)
    rows = {(r["name"], tuple(sorted(r["labels"].items()))): r for r in data["metrics"]}
    assert rows[("stepper_ai_requests_total", (("provider", "primary"), ("status", "ok")))]["value"] == 2
    hist = rows[("stepper_ai_request_duration_seconds", (("provider", "primary"),))]
    assert hist["count"] == 5 and hist["buckets"]["+Inf"] == 5
    assert data["queue"] == {"queued": 2, "running": 1, "done": 0, "failed": 0}


def test_every_exported_name_starts_with_stepper() -> None:
    record_some()
    names = [f.name for f in text_string_to_metric_families(stepper("metrics").out)]
    assert names and all(n.startswith("stepper_") for n in names), names


def test_series_never_counted_are_present_as_zero() -> None:
    found = samples(stepper("metrics").out)
    assert value(found["stepper_cache_hits"], "stepper_cache_hits_total", status="stale") == 0
    assert value(found["stepper_jobs_processed"], "stepper_jobs_processed_total", status="failed") == 0
    assert value(found["stepper_notify_failures"], "stepper_notify_failures_total", channel="webhook") == 0


def test_each_configured_provider_has_requests_latency_and_breaker_series(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[[providers]]\nname = "primary"\nkind = "ollama"\nbase_url = "http://127.0.0.1:9"\n')
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    found = samples(stepper("metrics").out)
    assert value(found["stepper_ai_requests"], "stepper_ai_requests_total", provider="primary", status="error") == 0
    hist = found["stepper_ai_request_duration_seconds"]
    assert value(hist, "stepper_ai_request_duration_seconds_count", provider="primary") == 0
    breaker = found["stepper_provider_breaker_state"]
    assert value(breaker, "stepper_provider_breaker_state", provider="primary", state="closed") == 1
    assert value(breaker, "stepper_provider_breaker_state", provider="primary", state="open") == 0
    assert json.loads(stepper("metrics", "--json").out)["breakers"] == {"primary": "closed"}


def test_an_enqueue_answered_from_the_cache_counts_as_a_cache_hit(repo: GitRepo) -> None:
    repo.commit("feat: one", ("a.py", "x = 1\n"))
    assert stepper("report", "--format", "json", cwd=repo.path).code == 0
    before = value(samples(stepper("metrics").out)["stepper_cache_hits"], "stepper_cache_hits_total", status="fresh")
    res = stepper_process("enqueue", "--json", cwd=repo.path)
    assert json.loads(res.out)["status"] == "cached", res.out
    after = value(samples(stepper("metrics").out)["stepper_cache_hits"], "stepper_cache_hits_total", status="fresh")
    assert after == before + 1

"""`stepper metrics`: Prometheus text that prometheus_client's own parser accepts, and textfile writing."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from stepper_cli.jobs.ledger import Ledger
from stepper_cli.store import counters as metrics
from stepper_cli.store import open_store
from tests.cli_run import stepper, stepper_process


def record_some() -> None:
    with open_store() as store:
        metrics.count(store, "ai_requests_total", provider="primary", status="ok")
        metrics.count(store, "ai_requests_total", provider="primary", status="ok")
        metrics.count(store, "ai_requests_total", provider="primary", status="error")
        metrics.count(store, "provider_failures_total", provider="primary", reason="rate_limited")
        metrics.count(store, "cache_hits_total", status="fresh")
        metrics.count(store, "jobs_processed_total", status="done")
        for seconds in (0.04, 0.3, 0.3, 7.0, 500.0):
            metrics.observe(store, "ai_request_duration_seconds", seconds, provider="primary")
        ledger = Ledger(store)
        for n in range(3):
            ledger.create(f"key{n}", f"{n:040d}", "repo", "/repo")
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
    assert value(found["ai_requests"], "ai_requests_total", provider="primary", status="ok") == 2
    assert value(found["provider_failures"], "provider_failures_total", provider="primary",
                 reason="rate_limited") == 1  # fmt: skip
    assert value(found["cache_misses"], "cache_misses_total") == 0
    assert value(found["jobs_processed"], "jobs_processed_total", status="done") == 1
    assert value(found["queue_depth"], "queue_depth", state="queued") == 2
    assert value(found["queue_depth"], "queue_depth", state="running") == 1
    assert "# TYPE ai_request_duration_seconds histogram" in res.out


def test_histogram_buckets_are_cumulative_with_sum_and_count() -> None:
    record_some()
    hist = samples(stepper("metrics").out)["ai_request_duration_seconds"]
    bucket = {s.labels["le"]: s.value for s in hist if s.name.endswith("_bucket")}
    assert bucket["0.05"] == 1 and bucket["0.5"] == 3 and bucket["10.0"] == 4 and bucket["+Inf"] == 5
    assert list(bucket.values()) == sorted(bucket.values())
    assert value(hist, "ai_request_duration_seconds_count", provider="primary") == 5
    assert abs(value(hist, "ai_request_duration_seconds_sum", provider="primary") - 507.64) < 1e-9


def test_an_empty_store_is_still_a_valid_exposition() -> None:
    found = samples(stepper("metrics").out)
    assert value(found["cache_misses"], "cache_misses_total") == 0 and "queue_depth" in found


def test_textfile_is_written_atomically_and_readable_by_node_exporter(tmp_path: Path) -> None:
    record_some()
    target = tmp_path / "collector" / "stepper.prom"
    target.parent.mkdir()
    target.write_text("old\n")
    res = stepper("metrics", "--textfile", str(target))
    assert res.code == 0 and "Wrote" in res.out
    assert samples(target.read_text())["ai_requests"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["stepper.prom"]


def test_textfile_in_a_missing_folder_is_a_storage_error(tmp_path: Path) -> None:
    res = stepper("metrics", "--textfile", str(tmp_path / "nope" / "x.prom"))
    assert res.code == 7 and "nope" in res.err


def test_json_gives_the_same_numbers() -> None:
    record_some()
    data = json.loads(stepper("metrics", "--json").out)
    rows = {(r["name"], tuple(sorted(r["labels"].items()))): r for r in data["metrics"]}
    assert rows[("ai_requests_total", (("provider", "primary"), ("status", "ok")))]["value"] == 2
    hist = rows[("ai_request_duration_seconds", (("provider", "primary"),))]
    assert hist["count"] == 5 and hist["buckets"]["+Inf"] == 5
    assert data["queue"] == {"queued": 2, "running": 1, "done": 0, "failed": 0}

"""Expose the store's counters and histograms, plus the queue's depth, in Prometheus text format.

A custom prometheus_client Collector reads every `metric:` series from the store at scrape time (the
numbers are shared by all stepper processes, so there is no in-process registry to keep), and
`generate_latest` formats them. `write_textfile` publishes them for node_exporter's textfile collector.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from ..config.paths import write_atomic
from ..store.counters import BUCKETS, PREFIX

if TYPE_CHECKING:
    from ..store import Store

HELP = {
    "ai_requests_total": "Provider requests, by provider and status.",
    "ai_request_duration_seconds": "Time a provider took to answer one request.",
    "cache_hits_total": "Report cache hits, by status (fresh or stale).",
    "cache_misses_total": "Report cache misses.",
    "provider_failures_total": "Failed provider requests, by provider and reason.",
    "jobs_processed_total": "Jobs the worker finished, by status.",
    "notify_failures_total": "Notifications that could not be delivered, by channel.",
    "queue_depth": "Jobs in the ledger by state (queued and running make up the queue).",
}
TEXTFILE_MODE = 0o644  # node_exporter runs as another user; the file holds counts and provider names only


@dataclass(frozen=True)
class Series:
    """One labelled series as the store keeps it: a counter value, or histogram buckets, sum and count."""

    name: str
    labels: dict[str, str]
    value: dict[str, Any]

    @property
    def is_histogram(self) -> bool:
        return "buckets" in self.value


def read_series(store: Store) -> list[Series]:
    """Every metric series in the store, sorted by name and labels."""
    found = []
    for key, value in store.scan(PREFIX):
        name, _, labels = key[len(PREFIX) :].partition("|")
        try:
            parsed = json.loads(labels) if labels else {}
        except json.JSONDecodeError:
            continue
        found.append(Series(name, {str(k): str(v) for k, v in parsed.items()}, value))
    return found


def queue_depth(store: Store) -> dict[str, int]:
    """How many ledger jobs are in each state."""
    from ..jobs.ledger import Ledger

    return Ledger(store).counts()


class StoreCollector(Collector):
    """Turn stored series into metric families at collect time."""

    def __init__(self, series: list[Series], depth: dict[str, int]) -> None:
        self.series, self.depth = series, depth

    def collect(self) -> Iterator[Metric]:
        groups: dict[str, list[Series]] = defaultdict(list)
        for s in self.series:
            groups[s.name].append(s)
        groups.setdefault("cache_misses_total", [])
        for name in sorted(groups):
            yield _family(name, groups[name])
        gauge = GaugeMetricFamily("queue_depth", HELP["queue_depth"], labels=["state"])
        for state, count in sorted(self.depth.items()):
            gauge.add_metric([state], count)
        yield gauge


def render(store: Store) -> str:
    """The Prometheus text exposition (format 0.0.4) of every series and the queue depth."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(read_series(store), queue_depth(store)))
    return generate_latest(registry).decode("utf-8")


def snapshot(store: Store) -> dict[str, Any]:
    """The same numbers as JSON: {"metrics": [{name, labels, value | buckets, sum, count}], "queue": {...}}."""
    rows = []
    for s in read_series(store):
        row: dict[str, Any] = {"name": s.name, "labels": s.labels}
        if s.is_histogram:
            row.update(buckets=_cumulative(s.value), sum=float(s.value.get("sum", 0)),
                       count=int(s.value.get("count", 0)))  # fmt: skip
        else:
            row["value"] = float(s.value.get("value", 0))
        rows.append(row)
    return {"metrics": rows, "queue": queue_depth(store)}


def write_textfile(path: Path, text: str) -> None:
    """Write the exposition atomically (temp file + rename in the same folder), mode 0644."""
    write_atomic(path, text.encode("utf-8"), TEXTFILE_MODE)


def _family(name: str, series: list[Series]) -> Metric:
    doc = HELP.get(name, f"stepper metric {name}.")
    label_names = sorted({k for s in series for k in s.labels})
    if any(s.is_histogram for s in series):
        hist = HistogramMetricFamily(name, doc, labels=label_names)
        for s in series:
            if s.is_histogram:
                buckets = list(_cumulative(s.value).items())
                hist.add_metric(_values(s, label_names), buckets, float(s.value.get("sum", 0)))
        return hist
    kind = CounterMetricFamily if name.endswith("_total") else GaugeMetricFamily
    family = kind(name, doc, labels=label_names)
    for s in series:
        family.add_metric(_values(s, label_names), float(s.value.get("value", 0)))
    if not series and not label_names:
        family.add_metric([], 0.0)
    return family


def _values(series: Series, names: list[str]) -> list[str]:
    return [series.labels.get(n, "") for n in names]


def _cumulative(value: dict[str, Any]) -> dict[str, float]:
    """The store counts each observation in its own bucket; Prometheus buckets are cumulative."""
    stored = value.get("buckets") or {}
    out: dict[str, float] = {}
    running = 0.0
    for bound in BUCKETS:
        running += float(stored.get(repr(bound), 0))
        out[repr(bound)] = running
    out["+Inf"] = float(value.get("count", running + float(stored.get("+Inf", 0))))
    return out

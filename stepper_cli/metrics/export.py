"""Expose the store's counters and histograms, plus the queue's depth, in Prometheus text format.

A custom prometheus_client Collector reads every `metric:` series from the store at scrape time (the
numbers are shared by all stepper processes, so there is no in-process registry to keep), and
`generate_latest` formats them. `write_textfile` publishes them for node_exporter's textfile collector.

Every exported name starts with `stepper_` (the store keeps the short names), so a textfile directory
shared with other exporters has no collisions. Series that have never been counted are exported as 0
(`ZERO_SERIES`, and per configured provider its requests by outcome, latency histogram, tokens by
direction and breaker state), so that `rate()` and alerts see them from the first scrape.
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

from ..config.paths import is_link_refusal, write_atomic
from ..errors import StorageError, UsageError
from ..store.counters import BUCKETS, PREFIX

if TYPE_CHECKING:
    from ..store import Store

NAME_PREFIX = "stepper_"
HELP = {
    "ai_requests_total": "Provider requests, by provider and outcome (status ok or error).",
    "ai_request_duration_seconds": "Time a provider took to answer one request.",
    "cache_hits_total": "Report cache hits, by status (fresh or stale).",
    "cache_misses_total": "Report cache misses.",
    "provider_failures_total": "Failed provider requests, by provider and reason.",
    "provider_tokens_total": "Tokens the providers' replies counted, by provider and direction (input or output).",
    "jobs_processed_total": "Jobs the worker finished, by status.",
    "notify_failures_total": "Notifications that could not be delivered, by channel.",
    "queue_depth": "Jobs in the ledger by state (queued and running make up the queue).",
    "provider_breaker_state": "Each provider's circuit breaker: 1 for its current state, 0 for the others.",
}
ZERO_SERIES: dict[str, list[dict[str, str]]] = {
    "cache_hits_total": [{"status": s} for s in ("fresh", "stale", "alias", "notes")],
    "cache_misses_total": [{}],
    "jobs_processed_total": [{"status": s} for s in ("done", "failed", "deferred")],
    "notify_failures_total": [{"channel": c} for c in ("webhook", "command")],
}
BREAKER_STATES = ("closed", "half_open", "open")
DIRECTIONS = ("input", "output")  # of provider_tokens_total
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


def with_zeros(series: list[Series], breakers: dict[str, str]) -> list[Series]:
    """The stored series plus a zero-valued one for each expected series that was never counted."""
    have = {(s.name, tuple(sorted(s.labels.items()))) for s in series}
    expected: list[tuple[str, dict[str, str], dict[str, Any]]]
    expected = [(name, labels, {"value": 0}) for name, sets in ZERO_SERIES.items() for labels in sets]
    for provider in breakers:
        expected += [("ai_requests_total", {"provider": provider, "status": o}, {"value": 0}) for o in ("ok", "error")]
        expected.append(("ai_request_duration_seconds", {"provider": provider}, {"buckets": {}, "sum": 0, "count": 0}))
        expected += [
            ("provider_tokens_total", {"provider": provider, "direction": d}, {"value": 0}) for d in DIRECTIONS
        ]
    added = [Series(n, lb, v) for n, lb, v in expected if (n, tuple(sorted(lb.items()))) not in have]
    return sorted([*series, *added], key=lambda s: (s.name, sorted(s.labels.items())))


class StoreCollector(Collector):
    """Turn stored series into metric families at collect time."""

    def __init__(self, series: list[Series], depth: dict[str, int], breakers: dict[str, str] | None = None) -> None:
        self.breakers = breakers or {}
        self.series, self.depth = with_zeros(series, self.breakers), depth

    def collect(self) -> Iterator[Metric]:
        groups: dict[str, list[Series]] = defaultdict(list)
        for s in self.series:
            groups[s.name].append(s)
        for name in sorted(groups):
            yield _family(name, groups[name])
        gauge = GaugeMetricFamily(public("queue_depth"), HELP["queue_depth"], labels=["state"])
        for state, count in sorted(self.depth.items()):
            gauge.add_metric([state], count)
        yield gauge
        if self.breakers:
            yield _breaker_family(self.breakers)


def public(name: str) -> str:
    """The exported name of a stored series: `stepper_` and the short name."""
    return name if name.startswith(NAME_PREFIX) else NAME_PREFIX + name


def render(store: Store, breakers: dict[str, str] | None = None) -> str:
    """The Prometheus text exposition (format 0.0.4) of every series, the queue depth and, given each
    configured provider's breaker state (`{name: closed | half_open | open}`), per-provider series."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(read_series(store), queue_depth(store), breakers))
    return generate_latest(registry).decode("utf-8")


def snapshot(store: Store, breakers: dict[str, str] | None = None) -> dict[str, Any]:
    """The same numbers as JSON: {"metrics": [{name, labels, value | buckets, sum, count}], "queue": {...},
    "breakers": {provider: state}}, with the exported (`stepper_`) names."""
    rows = []
    for s in with_zeros(read_series(store), breakers or {}):
        row: dict[str, Any] = {"name": public(s.name), "labels": s.labels}
        if s.is_histogram:
            row.update(buckets=_cumulative(s.value), sum=float(s.value.get("sum", 0)),
                       count=int(s.value.get("count", 0)))  # fmt: skip
        else:
            row["value"] = float(s.value.get("value", 0))
        rows.append(row)
    return {"metrics": rows, "queue": queue_depth(store), "breakers": dict(breakers or {})}


def write_textfile(path: Path, text: str) -> None:
    """Write the exposition atomically (temp file + rename in the same folder), mode 0644.

    The path is the user's argument, so a folder that cannot be written is a usage error (exit 2), as an
    unwritable `--output` is; a symbolic link at the path is refused (exit 7), never replaced or followed.
    """
    try:
        write_atomic(path, text.encode("utf-8"), TEXTFILE_MODE)
    except StorageError as exc:
        if is_link_refusal(exc):  # a link at the path is refused as everywhere, not a usage error
            raise
        raise UsageError(f"Cannot write --textfile {path}: {exc.message.partition(': ')[2] or exc.message}",
                         hint="Check that the folder exists and that you can write to it.") from exc  # fmt: skip


def _breaker_family(breakers: dict[str, str]) -> Metric:
    gauge = GaugeMetricFamily(public("provider_breaker_state"), HELP["provider_breaker_state"],
                              labels=["provider", "state"])  # fmt: skip
    for provider, current in sorted(breakers.items()):
        for state in BREAKER_STATES:
            gauge.add_metric([provider, state], 1.0 if state == current else 0.0)
    return gauge


def _family(name: str, series: list[Series]) -> Metric:
    doc = HELP.get(name, f"stepper metric {name}.")
    label_names = sorted({k for s in series for k in s.labels})
    if any(s.is_histogram for s in series):
        hist = HistogramMetricFamily(public(name), doc, labels=label_names)
        for s in series:
            if s.is_histogram:
                buckets = list(_cumulative(s.value).items())
                hist.add_metric(_values(s, label_names), buckets, float(s.value.get("sum", 0)))
        return hist
    kind = CounterMetricFamily if name.endswith("_total") else GaugeMetricFamily
    family = kind(public(name), doc, labels=label_names)
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

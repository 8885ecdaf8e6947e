"""Counters and histograms kept in the store, so every stepper process adds to the same numbers.

Names follow the service this replaces: ai_requests_total{provider,status},
ai_request_duration_seconds{provider}, cache_hits_total{status}, cache_misses_total,
provider_failures_total{provider,reason}, jobs_processed_total{status}; and
provider_tokens_total{provider,direction} (input or output, as each reply counted them).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import Store

PREFIX = "metric:"
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


def metric_key(name: str, labels: dict[str, str]) -> str:
    """The store key of one labelled series."""
    return f"{PREFIX}{name}|{json.dumps(labels, sort_keys=True, separators=(',', ':'))}"


def count(store: Store, name: str, amount: float = 1.0, **labels: str) -> None:
    """Add amount to a counter series."""
    store.incr(metric_key(name, labels), amount)


def observe(store: Store, name: str, seconds: float, **labels: str) -> None:
    """Record one observation of a histogram series (cumulative buckets, sum and count)."""
    bucket = next((b for b in BUCKETS if seconds <= b), None)
    label = "+Inf" if bucket is None else repr(bucket)

    def add(current: dict[str, object] | None) -> dict[str, object]:
        data = dict(current or {"buckets": {}, "sum": 0.0, "count": 0})
        buckets = dict(data["buckets"])  # type: ignore[call-overload]
        buckets[label] = buckets.get(label, 0) + 1
        return {"buckets": buckets, "sum": float(data["sum"]) + seconds, "count": int(data["count"]) + 1}  # type: ignore[arg-type, call-overload]

    store.update(metric_key(name, labels), add)

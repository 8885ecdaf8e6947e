"""Wall-clock limits that hold whatever the server does: the request's and the report's deadlines.

httpx's timeouts are per socket operation: a server that sends its headers one line a second never
trips a 3 s read timeout. So every request runs inside `limit(seconds)`, which sets an absolute
deadline in a context variable (one per thread), and the network streams of the providers' client
(`client.new_client`) read it on each connect, read, write and TLS step: each operation may wait only
for what is left, and none starts once the deadline has passed.

The chain wraps each try in `report(seconds)`, the time left before the report's deadline: no request
inside may outlast it, and `report_left()` tells an adapter that waits between requests of one try
(a Hugging Face Space waking up) how long it may. This module imports nothing heavy (no httpx).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from collections.abc import Iterator

_REQUEST: contextvars.ContextVar[float] = contextvars.ContextVar("stepper_request_deadline", default=math.inf)
_REPORT: contextvars.ContextVar[float] = contextvars.ContextVar("stepper_report_deadline", default=math.inf)


@contextlib.contextmanager
def limit(seconds: float) -> Iterator[None]:
    """Give every HTTP operation inside the block at most `seconds` in all (a nested limit never extends)."""
    token = _REQUEST.set(min(_REQUEST.get(), time.monotonic() + max(seconds, 0.0)))
    try:
        yield
    finally:
        _REQUEST.reset(token)


@contextlib.contextmanager
def report(seconds: float) -> Iterator[None]:
    """Record that the report must be done within `seconds`: no request inside may outlast it."""
    token = _REPORT.set(time.monotonic() + max(seconds, 0.0))
    try:
        yield
    finally:
        _REPORT.reset(token)


def time_left() -> float:
    """Seconds left for the current request: its own limit or the report's, whichever comes first."""
    return min(_REQUEST.get(), _REPORT.get()) - time.monotonic()


def report_left() -> float:
    """Seconds left before the current report's deadline (inf when the caller set none)."""
    return _REPORT.get() - time.monotonic()

"""How long a provider asked us to wait, in every form providers use, read in this order:

    retry-after-ms: 1500                       milliseconds (OpenAI's and Anthropic's SDKs prefer it)
    retry-after: 30 | Wed, 21 Oct 2026 07:28:00 GMT   seconds or an HTTP-date
    x-ratelimit-reset-requests / -tokens: 6m0s | 1.5s | 250ms | 20    Go-style durations (OpenAI, Groq), or a
                                               Unix time in s or ms: the bucket whose x-ratelimit-remaining-*
                                               is 0, else the longest
    error.details[google.rpc.RetryInfo].retryDelay: "37s"   in a Gemini error body

The first form present wins; values that cannot be read are skipped. Never negative, never infinite.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
EPOCH_SECONDS = 1e9  # a reset this large is a Unix time, not a duration


def wait_asked(headers: Mapping[str, str], body: Any = None, now: datetime | None = None) -> tuple[float, str] | None:
    """Return (seconds, the header or field that said so), or None when the reply asked for nothing."""
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000, "retry-after-ms"
    seconds = parse_retry_after(headers.get("retry-after"), now)
    if seconds is not None:
        return seconds, "retry-after"
    reset = _ratelimit_reset(headers)
    if reset is not None:
        return reset
    delay = gemini_retry_delay(body)
    return (delay, "RetryInfo.retryDelay") if delay is not None else None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After value, delay-seconds or HTTP-date, into seconds from `now` (never negative)."""
    if not value or not value.strip():
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return _finite((when - (now or datetime.now(UTC))).total_seconds())


def parse_duration(value: str | None) -> float | None:
    """Parse a Go-style duration ("6m0s", "1h2m", "1.5s", "250ms") or plain seconds into seconds."""
    if not value or not value.strip():
        return None
    text = value.strip().lower()
    plain = _number(text)
    if plain is not None:
        return plain
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return _finite(sum(float(n) * _UNITS[u] for n, u in parts))


def gemini_retry_delay(body: Any) -> float | None:
    """Return RetryInfo.retryDelay from a Google API error body ({"error": {"details": [...]}})."""
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and detail.get("@type") == RETRY_INFO:
            delay = detail.get("retryDelay")
            return parse_duration(delay) if isinstance(delay, str) else None
    return None


def _ratelimit_reset(headers: Mapping[str, str], now: float | None = None) -> tuple[float, str] | None:
    found: list[tuple[float, str, bool]] = []
    for bucket in ("requests", "tokens"):
        name = f"x-ratelimit-reset-{bucket}"
        seconds = _reset_seconds(parse_duration(headers.get(name)), now)
        if seconds is not None:
            spent = (headers.get(f"x-ratelimit-remaining-{bucket}") or "").strip() == "0"
            found.append((seconds, name, spent))
    if not found:
        return None
    chosen = [f for f in found if f[2]] or found
    seconds, name, _ = max(chosen)
    return seconds, name


def _reset_seconds(value: float | None, now: float | None) -> float | None:
    """A reset given as a Unix time (seconds or milliseconds, as some gateways send) becomes seconds from now."""
    if value is None or value < EPOCH_SECONDS:
        return value
    when = value / 1000 if value >= EPOCH_SECONDS * 1000 else value
    return _finite(when - (time.time() if now is None else now))


def _number(value: str | None) -> float | None:
    try:
        return _finite(float(value)) if value is not None and value.strip() else None
    except ValueError:
        return None


def _finite(seconds: float) -> float | None:
    return max(0.0, seconds) if math.isfinite(seconds) else None

"""Lifecycle events of the provider chain: a hook API for library users, and log lines for --verbose.

    from stepper_cli import events

    def on_event(event: events.Event) -> None:
        if isinstance(event, events.ProviderAttempted) and event.outcome == "error":
            print(event.provider, event.attempt, event.error)

    unsubscribe = events.subscribe(on_event)
    ...
    unsubscribe()

Every report emits `ChainStarted`, `ProviderWaiting` as each request leaves (what a person watching is
waiting for), one `ProviderAttempted` per try (and per skip), then exactly one of
`ReportSucceeded` (a provider answered), `FellBack` (the local analyzer answered after providers were
tried or skipped) or `ChainFailed` (none answered and fallback was off, or, in the worker, a rate limit
defers the job). A report with no provider in
its chain (`--offline`, nothing configured) emits only `ChainStarted` and nothing else.

Listeners run synchronously in the reporting thread, in subscription order; one that raises is logged
and skipped, never breaking the report. Events carry names, numbers and error kinds, never a key or
the prompt text. Each event is also logged on the `stepper_cli.events` logger at INFO (shown by
`--verbose`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChainStarted:
    """A report starts through the chain; `providers` in the order they will be tried."""

    subject: str
    providers: tuple[str, ...]

    def describe(self) -> str:
        chain = " → ".join((*self.providers, "local")) if self.providers else "local only"
        return f"{self.subject[:12]}: chain {chain}"


@dataclass(frozen=True, slots=True)
class ProviderAttempted:
    """One try of one provider ended: outcome ok, error or skipped (nothing sent)."""

    subject: str
    provider: str
    attempt: int
    outcome: str
    error: str | None
    duration_ms: int
    detail: str | None = None

    def describe(self) -> str:
        what = self.outcome if self.error is None else f"{self.outcome} ({self.error})"
        extra = f": {self.detail}" if self.detail else ""
        return f"{self.subject[:12]}: {self.provider} attempt {self.attempt} {what} in {self.duration_ms} ms{extra}"


@dataclass(frozen=True, slots=True)
class ReportSucceeded:
    """A provider gave a valid report."""

    subject: str
    provider: str
    attempts: int

    def describe(self) -> str:
        return f"{self.subject[:12]}: report from {self.provider} after {self.attempts} attempt(s)"


@dataclass(frozen=True, slots=True)
class ProviderWaiting:
    """A request to a provider is on its way; it may take up to `seconds` (for a person watching)."""

    subject: str
    provider: str
    attempt: int
    seconds: float

    def describe(self) -> str:
        return f"{self.subject[:12]}: waiting for {self.provider} (attempt {self.attempt}, up to {self.seconds:.0f} s)"


@dataclass(frozen=True, slots=True)
class FellBack:
    """Every provider failed or was skipped; the local analyzer wrote the report.

    `reasons` holds (provider, its last error message) in chain order: `notice()` is the one line the
    CLI prints on stderr so that a fallback is never silent.
    """

    subject: str
    attempts: int
    reasons: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        return f"{self.subject[:12]}: no provider answered ({self.attempts} attempt(s)); using local"

    def notice(self) -> str:
        """One line: the report came from the local analyzer, and why each provider did not answer."""
        why = "; ".join(message for _, message in self.reasons) or "no provider answered"
        return f"stepper: the local analyzer wrote this report ({why})"


@dataclass(frozen=True, slots=True)
class ChainFailed:
    """No report: fallback was off (`no_fallback`), or the worker defers the job (`rate_limited`)."""

    subject: str
    attempts: int
    reason: str = "no_fallback"

    def describe(self) -> str:
        why = "deferred for a rate limit" if self.reason == "rate_limited" else "no fallback"
        return f"{self.subject[:12]}: no provider answered ({self.attempts} attempt(s)); {why}"


Event = ChainStarted | ProviderWaiting | ProviderAttempted | ReportSucceeded | FellBack | ChainFailed
Listener = Callable[[Event], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call `listener` with every event from now on; return a function that unsubscribes it."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def emit(event: Event) -> None:
    """Log an event and hand it to every listener."""
    log.info("%s", event.describe())
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(event)
        except Exception:
            log.warning("an event listener failed on %s", type(event).__name__, exc_info=True)

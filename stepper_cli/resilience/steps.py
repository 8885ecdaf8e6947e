"""The wrappers around one provider, innermost first: call it, limit it, guard it, record each try.

    Recorded(Guarded(Limited(Call(settings))))     composed by chain.build_chain, retried around it

- `Call` builds the adapter (reading the key from its env var now, holding it only for this try),
  caps the timeout at what is left of the deadline, sends the prompt and parses the reply.
- `Limited` waits for the provider's shared rate-limit slot and turn, and passes a 429's Retry-After on
  to every process.
- `Guarded` asks the shared breaker first and tells it how the call went.
- `Recorded` makes each try (or skip) an Attempt, a lifecycle event and metrics.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from .. import events
from ..config.settings import ProviderSettings
from ..errors import ProviderError, RateLimited
from ..providers.registry import build_provider
from ..report.model import Attempt, Report, parse_report
from ..store import Store
from ..store import counters as metrics
from .base import Run, Skipped, Step, is_skip
from .breaker import Breaker
from .ratelimit import RateLimiter

if TYPE_CHECKING:
    import httpx

MIN_TIMEOUT = 0.05


class Call:
    """Send the prompt to the provider and parse its reply into a Report."""

    def __init__(
        self, settings: ProviderSettings, client: Callable[[], httpx.Client], env: Mapping[str, str] = os.environ
    ) -> None:
        self.name, self.settings, self.client, self.env = settings.name, settings, client, env

    def __call__(self, run: Run) -> Report:
        left = run.remaining()
        if left < MIN_TIMEOUT:
            raise Skipped("deadline", f"No time left for provider '{self.name}' before the report's deadline.")
        settings = self.settings
        if left < settings.timeout_seconds:
            settings = settings.model_copy(update={"timeout_seconds": left})
        provider = build_provider(settings, self.client(), self.env)
        prompt = run.prompt_for(settings.prompt)
        started = run.clock()
        try:
            text = provider.generate(prompt)
        finally:
            run.sent_ms = max(0, int((run.clock() - started) * 1000))
        return parse_report(text)


class Limited:
    """Hold the provider's shared rate limit around the call."""

    def __init__(self, inner: Step, limiter: RateLimiter) -> None:
        self.name, self.inner, self.limiter = inner.name, inner, limiter

    def __call__(self, run: Run) -> Report:
        token = self.limiter.acquire(max(run.remaining(), 0.0), hold_back=run.hold_back)
        try:
            return self.inner(run)
        except RateLimited as exc:
            if exc.retry_after:
                self.limiter.defer(exc.retry_after)
            raise
        finally:
            self.limiter.release(token)


class Guarded:
    """Ask the provider's shared circuit breaker before the call, and report the outcome to it."""

    def __init__(self, inner: Step, breaker: Breaker) -> None:
        self.name, self.inner, self.breaker = inner.name, inner, breaker

    def __call__(self, run: Run) -> Report:
        token = self.breaker.allow()
        try:
            report = self.inner(run)
        except ProviderError as exc:
            if is_skip(exc):
                self.breaker.release(token)
            else:
                self.breaker.fail(token, exc.kind)
            raise
        except BaseException:
            self.breaker.release(token)
            raise
        self.breaker.succeed(token)
        return report


class Recorded:
    """Turn every try into an Attempt on the run, an event and metrics."""

    def __init__(self, inner: Step, store: Store) -> None:
        self.name, self.inner, self.store = inner.name, inner, store

    def __call__(self, run: Run) -> Report:
        number, run.sent_ms = run.next_attempt(self.name), None
        try:
            report = self.inner(run)
        except ProviderError as exc:
            self.record(run, number, exc)
            raise
        self.record(run, number, None)
        return report

    def skip(self, run: Run, exc: ProviderError) -> None:
        """Record that the provider was passed over before any try."""
        run.sent_ms = None
        self.record(run, run.next_attempt(self.name), exc)

    def record(self, run: Run, number: int, exc: ProviderError | None) -> None:
        """Add one Attempt (its duration is the time on the wire, not time spent waiting for a slot)."""
        duration_ms = run.sent_ms or 0
        outcome = "ok" if exc is None else "skipped" if is_skip(exc) else "error"
        error = None if exc is None else exc.kind
        detail = None if exc is None else exc.detail
        attempt = Attempt(
            provider=self.name, attempt=number, outcome=outcome, error=error, detail=detail, duration_ms=duration_ms
        )
        run.attempts.append(attempt)
        events.emit(events.ProviderAttempted(run.subject, self.name, number, outcome, error, duration_ms, detail))
        self._count(outcome, error, duration_ms)

    def _count(self, outcome: str, error: str | None, duration_ms: int) -> None:
        if outcome != "skipped":
            metrics.count(self.store, "ai_requests_total", provider=self.name, status=outcome)
            metrics.observe(self.store, "ai_request_duration_seconds", duration_ms / 1000, provider=self.name)
        if error is not None:
            metrics.count(self.store, "provider_failures_total", provider=self.name, reason=error)

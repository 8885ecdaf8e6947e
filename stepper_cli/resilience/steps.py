"""The wrappers around one provider, innermost first: call it, limit it, guard it, record each try, adapt.

    Adapting(Recorded(Guarded(Limited(Call(settings)))))   composed by chain.build_chain, retried around it

- `Call` takes the provider's adapter from the context's `Adapters` (built once), sends the prompt in
  the shape `Adapting` chose, within what is left of the report's deadline (connect to last byte),
  scrubs every key the chain holds from the reply, and parses it.
- `Limited` waits for the provider's shared rate-limit slot and turn, and passes a 429's Retry-After on
  to every process as a hold. After a report it gives the slot back with the job's own writes.
- `Guarded` asks the shared breaker first and tells it how the call went.
- `Recorded` makes each try (or skip) an Attempt, a lifecycle event and metrics.
- `Adapting` picks the request's shape (rules table + what was learned); on `Unsupported` it steps the
  named feature down, remembers it and asks again at once; on `Truncated` it asks once more with a
  larger budget. Refusals and everything else go up to the retry loop untouched.
"""

from __future__ import annotations

from .. import events
from ..config.model import ProviderSettings
from ..errors import ProviderError, RateLimited, Truncated, Unsupported
from ..providers import deadline, usage
from ..providers.capabilities import initial
from ..providers.registry import Adapters
from ..providers.replies import mask_secrets
from ..report.model import Attempt, Outcome, Report, Tokens, parse_report
from ..store import Store
from ..store import counters as metrics
from .base import Run, Skipped, Step, is_skip
from .breaker import Breaker
from .learned import Learned
from .ratelimit import RateLimiter

MIN_TIMEOUT = 0.05


class Call:
    """Send the prompt to the provider and parse its reply into a Report."""

    def __init__(self, settings: ProviderSettings, adapters: Adapters) -> None:
        self.name, self.settings, self.adapters = settings.name, settings, adapters

    def __call__(self, run: Run) -> Report:
        left = run.remaining()
        if left < MIN_TIMEOUT:
            raise Skipped("deadline", f"No time left for provider '{self.name}' before the report's deadline.")
        provider = self.adapters.get(self.settings)
        prompt = run.prompt_for(self.settings.prompt)
        number = run.next_attempt(self.name)
        events.emit(events.ProviderWaiting(run.subject, self.name, number, min(self.settings.timeout_seconds, left)))
        started, counted = run.clock(), list[Tokens]()
        try:
            with deadline.report(left), usage.metered(counted):
                text = provider.generate(prompt, run.shape or initial(self.settings))
        finally:
            run.sent_ms = max(0, int((run.clock() - started) * 1000))
            run.tokens = usage.total(counted)
        return parse_report(mask_secrets(text, self.adapters.secrets()))


class Limited:
    """Hold the provider's shared rate limit around the call."""

    def __init__(self, inner: Step, limiter: RateLimiter) -> None:
        self.name, self.inner, self.limiter = inner.name, inner, limiter

    def __call__(self, run: Run) -> Report:
        token = self.limiter.acquire(max(run.remaining(), 0.0), hold_back=run.hold_back)
        try:
            report = self.inner(run)
        except BaseException as exc:
            try:
                if isinstance(exc, RateLimited) and exc.retry_after:
                    self.limiter.defer(exc.retry_after, exc.message)  # the hold first, then the slot
            finally:
                self.limiter.release(token)  # at once: a retry, or the next provider, may follow
            raise
        self.limiter.release_later(token)  # a report: the worker gives the slot back as its job ends
        return report


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
        number, run.sent_ms, run.tokens = run.next_attempt(self.name), None, None
        try:
            report = self.inner(run)
        except ProviderError as exc:
            self.record(run, number, exc)
            raise
        self.record(run, number, None)
        return report

    def skip(self, run: Run, exc: ProviderError) -> None:
        """Record that the provider was passed over before any try."""
        run.sent_ms, run.tokens = None, None
        self.record(run, run.next_attempt(self.name), exc)

    def record(self, run: Run, number: int, exc: ProviderError | None) -> None:
        """Add one Attempt (its duration is the time on the wire, not time spent waiting for a slot; its tokens
        those the replies counted, a failed try's included when it was billed, as a truncated one is)."""
        duration_ms = run.sent_ms or 0
        outcome: Outcome = "ok" if exc is None else "skipped" if is_skip(exc) else "error"
        error = None if exc is None else exc.kind
        detail = None if exc is None else exc.detail
        if exc is not None:
            run.reasons[self.name] = exc.message
        tokens = run.tokens
        attempt = Attempt(provider=self.name, attempt=number, outcome=outcome, error=error, detail=detail,
                          duration_ms=duration_ms, tokens=tokens)  # fmt: skip
        run.attempts.append(attempt)
        events.emit(events.ProviderAttempted(run.subject, self.name, number, outcome, error, duration_ms, detail))
        self._count(outcome, error, duration_ms)
        if tokens is not None:
            for direction, amount in (("input", tokens.input), ("output", tokens.output)):
                metrics.count(self.store, "provider_tokens_total", amount, provider=self.name, direction=direction)

    def _count(self, outcome: str, error: str | None, duration_ms: int) -> None:
        if outcome != "skipped":
            metrics.count(self.store, "ai_requests_total", provider=self.name, status=outcome)
            metrics.observe(self.store, "ai_request_duration_seconds", duration_ms / 1000, provider=self.name)
        if error is not None:
            metrics.count(self.store, "provider_failures_total", provider=self.name, reason=error)


class Adapting:
    """Fit the request to the model: learn from an `Unsupported` 400, grow the budget once after `Truncated`."""

    def __init__(self, inner: Recorded, learned: Learned) -> None:
        self.name, self.inner, self.learned = inner.name, inner, learned

    def skip(self, run: Run, exc: ProviderError) -> None:
        """Record that the provider was passed over before any try."""
        self.inner.skip(run, exc)

    def __call__(self, run: Run) -> Report:
        shape, grown = self.learned.shape(), False
        while True:  # ends: each Unsupported moves a feature down its finite ladder, or raises
            run.shape = shape
            try:
                return self.inner(run)
            except Unsupported as exc:
                lower = shape.step_down(exc.feature)
                if lower is None:
                    raise
                self.learned.learn(lower, exc.detail)
                shape = lower
            except Truncated:
                if grown:
                    raise
                shape, grown = shape.bigger(), True
            finally:
                run.shape = None

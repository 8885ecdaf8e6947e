"""What the resilience wrappers share: the per-report run state, the step protocol and the skip errors.

A *step* turns a run into a Report or raises a ProviderError. The wrappers in `steps.py`, the breaker,
the rate limiter and the retry loop each wrap a step; `chain.build_chain` composes them from config.
Clocks are wall-clock seconds (`time.time`) by default, because breaker and limit state is shared by
processes through the store; tests inject a fake clock and a sleep that only advances it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..config.model import BreakerSettings, ProviderSettings, RetrySettings, Settings
from ..errors import CircuitOpen, MissingKey, ProviderError
from ..providers.base import Prompt
from ..providers.shape import Shape
from ..report.model import Attempt, Report, Tokens

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class Skipped(ProviderError):
    """Nothing was sent: the provider was passed over (kind says why: disabled, deadline, rate_limited)."""

    retryable = False

    def __init__(self, kind: str, message: str, *, detail: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, detail=detail, retry_after=retry_after)
        self.kind = kind


def is_skip(exc: ProviderError) -> bool:
    """Return whether an error means the request never left the machine."""
    return isinstance(exc, Skipped | CircuitOpen | MissingKey)


@dataclass
class Run:
    """The state of one report going through the chain: its deadline and every attempt so far."""

    subject: str
    prompt_for: Callable[[str], Prompt]
    deadline: float
    clock: Clock
    attempts: list[Attempt] = field(default_factory=list)
    #: how long the last request took on the wire (set by the innermost step; None when nothing was sent)
    sent_ms: int | None = None
    #: the tokens the last request's replies counted (set by the innermost step; None when unknown)
    tokens: Tokens | None = None
    #: a worker's run: a provider's pause (Retry-After) is a reason to come back later, not to sleep here
    hold_back: bool = False
    #: the shape of the request being sent (set by `Adapting` around each try)
    shape: Shape | None = None
    #: the last error message of each provider tried or skipped (for the fallback notice)
    reasons: dict[str, str] = field(default_factory=dict)

    def remaining(self) -> float:
        """Return the seconds left before the report's deadline (negative once past)."""
        return self.deadline - self.clock()

    def next_attempt(self, provider: str) -> int:
        """Return the number the next attempt of `provider` gets (1, 2, ...)."""
        return 1 + sum(1 for a in self.attempts if a.provider == provider)


class Step(Protocol):
    """One provider's way from a run to a report; raises ProviderError."""

    name: str

    def __call__(self, run: Run) -> Report: ...


@dataclass(frozen=True)
class RetryPolicy:
    """A provider's retry settings after its overrides."""

    max_attempts: int
    base_delay_seconds: float


def retry_policy(settings: Settings, provider: ProviderSettings) -> RetryPolicy:
    """Return the retry policy of a provider: its own overrides win over [retry]."""
    own = provider.retry
    return RetryPolicy(
        max_attempts=own.max_attempts or settings.retry.max_attempts,
        base_delay_seconds=_first(own.base_delay_seconds, settings.retry.base_delay_seconds),
    )


def breaker_settings(settings: Settings, provider: ProviderSettings) -> BreakerSettings:
    """Return the breaker settings of a provider: its own overrides win over [breaker]."""
    own, top = provider.breaker, settings.breaker
    return BreakerSettings(
        failure_threshold=own.failure_threshold or top.failure_threshold,
        window_seconds=_first(own.window_seconds, top.window_seconds),
        cooldown_seconds=_first(own.cooldown_seconds, top.cooldown_seconds),
    )


def lease_for(provider: ProviderSettings) -> float:
    """Return how long a probe claim or in-flight slot lasts when its holder dies without giving it back."""
    return 2 * provider.timeout_seconds + 5


def deadline_of(settings: RetrySettings, clock: Clock) -> float:
    """Return the clock time by which one report must be done."""
    return clock() + settings.deadline_seconds


def _first(value: float | None, default: float) -> float:
    return default if value is None else value

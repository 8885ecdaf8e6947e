"""Retry one provider with tenacity: retryable kinds only, backoff with jitter, Retry-After, the deadline.

Retryable kinds are those whose ProviderError says so (timeout, unavailable, rate_limited,
invalid_response); auth, bad_request, no_key, circuit_open and every skip stop at once. Between tries
the wait is the server's Retry-After when it sent one, else exponential backoff from
`base_delay_seconds` (base, 2·base, 4·base, … at most 30 s) plus a random jitter of up to one base.
Retrying stops after `max_attempts` tries, or as soon as the next wait would end past the report's
deadline (less one second kept for the next provider); the last error is raised and the chain moves on.
"""

from __future__ import annotations

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_exponential, wait_random

from ..errors import ProviderError, RateLimited
from ..report.model import Report
from .base import RetryPolicy, Run, Sleep, Step

MAX_BACKOFF_SECONDS = 30.0
#: a retry never sleeps into the report's last second: the next provider (or the fallback) needs it
RESERVE_SECONDS = 1.0


def call_with_retries(
    step: Step, run: Run, policy: RetryPolicy, sleep: Sleep, *, defer_rate_limits: bool = False
) -> Report:
    """Call `step` until it gives a report or the policy gives up; raise the last ProviderError.

    With `defer_rate_limits`, a 429 carrying Retry-After ends the retries at once instead of waiting.
    """
    stop = stop_after_attempt(policy.max_attempts) | _PastDeadline(run)
    retrying = Retrying(
        retry=retry_if_exception(_retryable),
        stop=stop | _ToldToWait() if defer_rate_limits else stop,
        wait=_Backoff(policy.base_delay_seconds),
        sleep=sleep,
        reraise=True,
    )
    return retrying(step, run)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


class _ToldToWait(stop_base):
    """Stop at a 429 that names a wait (the worker re-queues the job instead of sleeping)."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        exc = retry_state.outcome.exception() if retry_state.outcome is not None else None
        return isinstance(exc, RateLimited) and exc.retry_after is not None


class _Backoff(wait_base):
    """The server's Retry-After if it gave one, else exponential backoff with jitter."""

    def __init__(self, base_delay: float) -> None:
        cap = max(base_delay, MAX_BACKOFF_SECONDS)
        self.exponential = wait_exponential(multiplier=base_delay, max=cap) + wait_random(0, base_delay)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, ProviderError) and exc.retry_after is not None:
            return exc.retry_after
        return float(self.exponential(retry_state))


class _PastDeadline(stop_base):
    """Stop when waiting before the next try would end within a second of the report's deadline."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def __call__(self, retry_state: RetryCallState) -> bool:
        return retry_state.upcoming_sleep >= self.run.remaining() - RESERVE_SECONDS

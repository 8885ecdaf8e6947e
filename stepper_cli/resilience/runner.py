"""Run one report through the chain: each provider in turn, then the local analyzer.

For each provider (a `Link`): passed over when disabled, when the report's deadline is spent or when
its key is missing; otherwise retried (`retry.py`) around its wrapped step. The first valid report
wins. When none comes, the local analyzer answers (`fallback` is true if any provider was tried or
skipped, and the `FellBack` event names each provider's last reason, for the one stderr line the CLI
prints), or, with fallback off, `ProvidersFailed` (exit 5) lists every attempt.

With `defer_rate_limits` (the worker's mode) a 429 carrying Retry-After is not slept on: the chain moves
on at once, and when no other provider answers it raises `RateLimited(retry_after)` instead of falling
back, so the queue runs the job again later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from .. import events
from ..config.model import ProviderSettings, Settings
from ..errors import NoReportError, ProviderError, RateLimited
from ..providers.base import Prompt
from ..report.model import Attempt, Report
from .base import Clock, Run, Skipped, Sleep, deadline_of, retry_policy

if TYPE_CHECKING:
    from .steps import Adapting

LOCAL = "local"
_WAIT_KINDS = ("rate_limited", "circuit_open")  # skips that carry a retry_after: come back later


@dataclass(frozen=True)
class ChainRequest:
    """What the chain needs for one report: a label, the prompt per template, the local analyzer."""

    subject: str
    prompt_for: Callable[[str], Prompt]
    local: Callable[[], Report]


@dataclass(frozen=True)
class ChainOutcome:
    """The report, who wrote it, whether it is a fallback, and every attempt."""

    report: Report
    provider: str
    fallback: bool
    attempts: list[Attempt]


class ProvidersFailed(NoReportError):
    """No provider gave a report and fallback was off; `attempts` says what happened to each."""

    def __init__(self, message: str, attempts: list[Attempt]) -> None:
        super().__init__(message)
        self.attempts = attempts


class Link:
    """One provider in the chain: its pre-checks, its retry policy and its wrapped step."""

    def __init__(self, settings: ProviderSettings, top: Settings, step: Adapting, env: Mapping[str, str]) -> None:
        self.name, self.settings, self.step, self.env = settings.name, settings, step, env
        self.policy = retry_policy(top, settings)

    def __call__(self, run: Run, sleep: Sleep, *, defer_rate_limits: bool = False) -> Report:
        try:
            self._precheck(run)
        except ProviderError as exc:
            self.step.skip(run, exc)
            raise
        from .retry import call_with_retries  # with the providers' code: a run of the local analyzer alone needs none

        return call_with_retries(self.step, run, self.policy, sleep, defer_rate_limits=defer_rate_limits)

    def _precheck(self, run: Run) -> None:
        if not self.settings.enabled:
            raise Skipped("disabled", f"Provider '{self.name}' is disabled (enabled = false).")
        if run.remaining() <= 0:
            raise Skipped("deadline", f"No time left for provider '{self.name}' before the report's deadline.")
        from ..providers.registry import read_key

        read_key(self.settings, self.env)  # raises MissingKey; the key itself is dropped here


class Chain:
    """The providers of one run, then the local analyzer; use as a context manager to close its client."""

    def __init__(
        self, settings: Settings, *, fallback: bool, defer_rate_limits: bool, clock: Clock, sleep: Sleep
    ) -> None:
        self.links: list[Link] = []
        self.settings, self.fallback, self.defer_rate_limits = settings, fallback, defer_rate_limits
        self.clock, self.sleep = clock, sleep
        self._closers: list[Callable[[], None]] = []

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(link.name for link in self.links)

    def run(self, request: ChainRequest) -> ChainOutcome:
        """Get a report for one request from the first provider that gives one, else fall back."""
        deadline = deadline_of(self.settings.retry, self.clock)
        run = Run(request.subject, request.prompt_for, deadline, self.clock, hold_back=self.defer_rate_limits)
        events.emit(events.ChainStarted(request.subject, self.names))
        limited: list[ProviderError] = []
        for link in self.links:
            try:
                report = link(run, self.sleep, defer_rate_limits=self.defer_rate_limits)
            except RateLimited as exc:
                limited.append(exc)
                continue
            except ProviderError as exc:
                if exc.retry_after is not None and exc.kind in _WAIT_KINDS:  # held back by a Retry-After, or by
                    limited.append(exc)  # a breaker that 429s opened: the provider asked for time, it is not down
                continue
            events.emit(events.ReportSucceeded(request.subject, link.name, len(run.attempts)))
            return ChainOutcome(report, link.name, False, run.attempts)
        if self.defer_rate_limits and limited:
            events.emit(events.ChainFailed(request.subject, len(run.attempts), reason="rate_limited"))
            raise _deferral(limited)
        return self._fall_back(request, run)

    def _fall_back(self, request: ChainRequest, run: Run) -> ChainOutcome:
        if not self.fallback:
            events.emit(events.ChainFailed(request.subject, len(run.attempts)))
            raise ProvidersFailed(failure_message(request.subject, self.names, run.attempts), run.attempts)
        if self.links:
            reasons = tuple((name, run.reasons[name]) for name in self.names if name in run.reasons)
            events.emit(events.FellBack(request.subject, len(run.attempts), reasons))
        return ChainOutcome(request.local(), LOCAL, bool(self.links), run.attempts)

    def on_close(self, fn: Callable[[], None]) -> None:
        """Call `fn` when the chain is closed."""
        self._closers.append(fn)

    def close(self) -> None:
        """Close what the chain opened (its HTTP client)."""
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> Chain:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _deferral(limited: list[ProviderError]) -> RateLimited:
    waits = [e.retry_after for e in limited if e.retry_after is not None]
    wait = min(waits) if waits else None
    when = f"; retry in {wait:g} s" if wait is not None else ""
    return RateLimited(f"Every provider that could answer is rate limited{when}.", retry_after=wait)


def failure_message(subject: str, names: tuple[str, ...], attempts: list[Attempt]) -> str:
    """One sentence naming what happened to each provider, for exit 5."""
    if not names:
        return "No provider is configured (or all are disabled), and --no-fallback was given."
    parts = []
    for name in names:
        kinds = [a.error or a.outcome for a in attempts if a.provider == name]
        tally = ", ".join(f"{k} ×{kinds.count(k)}" if kinds.count(k) > 1 else k for k in dict.fromkeys(kinds))
        parts.append(f"{name} ({tally or 'not tried'})")
    return f"No provider gave a report for commit {subject[:12]}: {'; '.join(parts)}."

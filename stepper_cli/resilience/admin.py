"""The library behind `stepper providers`: list the chain, check each provider live, reset what is shared.

Keys are only looked up to say whether their variable is set; no key is ever returned or printed.
`list` shows each provider's breaker, its rate-limit hold (what the provider asked for, the time left)
and what was learned about its model. `check` sends one small real request per provider (through its
shared rate limit, not its breaker, so a provider can be checked while its breaker is open), names the
models the provider serves when the configured one is not among them, and never changes shared state;
`reset` closes the breaker, lifts the hold and forgets what was learned.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config.load import load_settings
from ..config.settings import LoadedConfig, ProviderSettings, Settings
from ..config.urls import mask_url
from ..errors import GitError, ModelNotFound, ProviderError, UsageError
from ..providers import deadline
from ..providers.base import Prompt
from ..providers.capabilities import initial
from ..providers.registry import key_present, needs_key, read_key
from ..store import Store
from .base import Clock, Sleep, breaker_settings, lease_for
from .breaker import Breaker
from .learned import LearnedView, forget, learned_views
from .ratelimit import RateLimiter
from .runner import LOCAL

if TYPE_CHECKING:
    from ..providers.registry import Adapters

CHECK_PROMPT = Prompt(
    system='You are a health check. Answer with the JSON object {"ok": true} and nothing else.',
    user="Are you there?",
)
CHECK_MAX_TOKENS = 64
MODELS_SHOWN = 12


@dataclass(frozen=True)
class ProviderInfo:
    """One row of `stepper providers list` (`local` has no key, breaker or limits)."""

    name: str
    kind: str
    model: str
    base_url: str
    enabled: bool
    key_env: str | None
    needs_key: bool
    key_present: bool
    breaker: str | None
    breaker_reason: str | None = None
    retry_in_seconds: float | None = None
    rps: float | None = None
    concurrency: int | None = None
    hold_seconds: float | None = None
    hold_asked_seconds: float | None = None
    learned: tuple[LearnedView, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CheckResult:
    """One provider's answer to a small live request."""

    name: str
    outcome: str  # ok | error | skipped
    latency_ms: int = 0
    error: str | None = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def load_config(repo: Path) -> LoadedConfig:
    """Load the configuration that applies in `repo` (user config only when it is not a repository)."""
    from ..git.commits import open_repo

    try:
        root: Path | None = open_repo(repo).root
    except GitError:
        root = None
    return load_settings(root)


def list_providers(
    settings: Settings, store: Store, env: Mapping[str, str] = os.environ, clock: Clock = time.time
) -> list[ProviderInfo]:
    """Return every configured provider in chain order, then `local`."""
    rows = [_info(p, settings, store, env, clock) for p in settings.providers]
    return [*rows, ProviderInfo(LOCAL, LOCAL, "", "", True, None, False, False, None)]


def _info(p: ProviderSettings, settings: Settings, store: Store, env: Mapping[str, str], clock: Clock) -> ProviderInfo:
    view = _breaker(p, settings, store, clock).view()
    hold = _limiter(p, settings, store, clock, time.sleep).hold()
    return ProviderInfo(
        name=p.name,
        kind=p.kind,
        model=p.model,
        base_url=mask_url(p.base_url) if p.base_url else "(default)",
        enabled=p.enabled,
        key_env=p.api_key_env or None,
        needs_key=needs_key(p),
        key_present=key_present(p, env),
        breaker=view.state,
        breaker_reason=view.reason,
        retry_in_seconds=None if view.retry_in is None else round(view.retry_in, 1),
        rps=p.rps,
        concurrency=p.concurrency,
        hold_seconds=None if hold is None else round(hold.left, 1),
        hold_asked_seconds=None if hold is None else hold.asked,
        learned=tuple(learned_views(store, p, clock)),
    )


def check_providers(
    settings: Settings,
    store: Store,
    name: str | None = None,
    *,
    adapters: Adapters,
    env: Mapping[str, str] = os.environ,
    clock: Clock = time.time,
    sleep: Sleep = time.sleep,
) -> list[CheckResult]:
    """Send one small request to each provider (or the one named) and time it."""
    if name == LOCAL:
        return [CheckResult(LOCAL, "ok", detail="built in; no network")]
    return [
        _check(p, settings, store, adapters, env, clock, sleep, named=name is not None) for p in pick(settings, name)
    ]


def _check(
    p: ProviderSettings,
    settings: Settings,
    store: Store,
    adapters: Adapters,
    env: Mapping[str, str],
    clock: Clock,
    sleep: Sleep,
    *,
    named: bool,
) -> CheckResult:
    if not p.enabled and not named:
        return CheckResult(p.name, "skipped", error="disabled")
    try:
        read_key(p, env)
    except ProviderError as exc:
        return CheckResult(p.name, "skipped", error=exc.kind, detail=str(exc))
    limiter = _limiter(p, settings, store, clock, sleep)
    started = clock()
    small = replace(p, max_tokens=CHECK_MAX_TOKENS)
    try:
        token = limiter.acquire(p.timeout_seconds)
        try:
            started = clock()
            with deadline.report(p.timeout_seconds):
                adapters.get(small).generate(CHECK_PROMPT, initial(small))
        finally:
            limiter.release(token)
    except ModelNotFound as exc:
        served = _served(adapters, small)
        return CheckResult(p.name, "error", _ms(clock() - started), exc.kind, f"{exc}{served}")
    except ProviderError as exc:
        return CheckResult(p.name, "error", _ms(clock() - started), exc.kind, exc.detail or str(exc))
    return CheckResult(p.name, "ok", _ms(clock() - started))


def _served(adapters: Adapters, p: ProviderSettings) -> str:
    """'; it serves: a, b, c' from the provider's model listing, or nothing when it has none."""
    try:
        with deadline.report(p.timeout_seconds):
            models = adapters.get(p).list_models()
    except ProviderError:
        return ""
    shown = ", ".join(models[:MODELS_SHOWN]) + (", ..." if len(models) > MODELS_SHOWN else "")
    return f"; it serves: {shown}" if models else ""


def reset_providers(settings: Settings, store: Store, name: str | None = None) -> list[str]:
    """Close the breakers, lift the rate-limit holds and forget what was learned; return the names reset."""
    chosen = pick(settings, name)
    for p in chosen:
        _breaker(p, settings, store, time.time).reset()
        _limiter(p, settings, store, time.time, time.sleep).reset()
        forget(store, p.name)
    return [p.name for p in chosen]


def pick(settings: Settings, name: str | None) -> list[ProviderSettings]:
    """Return every configured provider, or the one named; an unknown name is a UsageError."""
    if name is None:
        return list(settings.providers)
    found = [p for p in settings.providers if p.name == name]
    if not found:
        known = ", ".join(p.name for p in settings.providers) or "none"
        raise UsageError(f"No provider named '{name}' is configured (configured: {known}).", hint="")
    return found


def _limiter(p: ProviderSettings, settings: Settings, store: Store, clock: Clock, sleep: Sleep) -> RateLimiter:
    cooldown = breaker_settings(settings, p).cooldown_seconds
    return RateLimiter(
        store, p.name, rps=p.rps, concurrency=p.concurrency, clock=clock, sleep=sleep, lease=lease_for(p),
        max_hold=cooldown,
    )  # fmt: skip


def _breaker(p: ProviderSettings, settings: Settings, store: Store, clock: Clock) -> Breaker:
    return Breaker(store, p.name, breaker_settings(settings, p), clock, probe_lease=lease_for(p))


def _ms(seconds: float) -> int:
    return max(0, int(seconds * 1000))

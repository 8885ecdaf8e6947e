"""The library behind `stepper providers`: list the chain, check each provider live, reset breakers.

Keys are only looked up to say whether their variable is set; no key is ever returned or printed.
`check` sends one small real request per provider (through its shared rate limit, not its breaker, so
a provider can be checked while its breaker is open) and never changes breaker state; `reset` does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config.settings import LoadedConfig, ProviderSettings, Settings, load_settings
from ..config.urls import mask_url
from ..errors import GitError, ProviderError, UsageError
from ..providers.base import Prompt
from ..providers.registry import build_provider, key_present, needs_key, read_key
from ..store import Store
from .base import Clock, Sleep, breaker_settings, lease_for
from .breaker import Breaker
from .ratelimit import RateLimiter
from .runner import LOCAL

if TYPE_CHECKING:
    import httpx

CHECK_PROMPT = Prompt(
    system='You are a health check. Answer with the JSON object {"ok": true} and nothing else.',
    user="Are you there?",
)
CHECK_MAX_TOKENS = 64


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
    )


def check_providers(
    settings: Settings,
    store: Store,
    name: str | None = None,
    *,
    client: httpx.Client | None = None,
    env: Mapping[str, str] = os.environ,
    clock: Clock = time.time,
    sleep: Sleep = time.sleep,
) -> list[CheckResult]:
    """Send one small request to each provider (or the one named) and time it."""
    if name == LOCAL:
        return [CheckResult(LOCAL, "ok", detail="built in; no network")]
    chosen = pick(settings, name)
    if client is not None:
        return [_check(p, store, client, env, clock, sleep, named=name is not None) for p in chosen]
    import httpx

    with httpx.Client() as own:
        return [_check(p, store, own, env, clock, sleep, named=name is not None) for p in chosen]


def _check(
    p: ProviderSettings,
    store: Store,
    client: httpx.Client,
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
    limiter = RateLimiter(
        store, p.name, rps=p.rps, concurrency=p.concurrency, clock=clock, sleep=sleep, lease=lease_for(p)
    )
    started = clock()
    try:
        token = limiter.acquire(p.timeout_seconds)
        try:
            started = clock()
            build_provider(p.model_copy(update={"max_tokens": CHECK_MAX_TOKENS}), client, env).generate(CHECK_PROMPT)
        finally:
            limiter.release(token)
    except ProviderError as exc:
        return CheckResult(p.name, "error", _ms(clock() - started), exc.kind, exc.detail or str(exc))
    return CheckResult(p.name, "ok", _ms(clock() - started))


def reset_breakers(settings: Settings, store: Store, name: str | None = None) -> list[str]:
    """Close the breakers of every provider (or the one named); return the names reset."""
    chosen = pick(settings, name)
    for p in chosen:
        _breaker(p, settings, store, time.time).reset()
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


def _breaker(p: ProviderSettings, settings: Settings, store: Store, clock: Clock) -> Breaker:
    return Breaker(store, p.name, breaker_settings(settings, p), clock, probe_lease=lease_for(p))


def _ms(seconds: float) -> int:
    return max(0, int(seconds * 1000))

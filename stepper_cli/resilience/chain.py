"""Build the provider chain of one run from config: the one place the wrappers are composed.

    Retried(Recorded(Guarded(Limited(Call(provider)))))   per provider, in file or `--provider` order,
    then the local analyzer                                run by `runner.Chain`

The default chain is every enabled provider in file order; `--provider NAME` (repeatable) picks and
orders them for one run (a disabled one named there is recorded as skipped), `--offline` or
`--provider local` leaves only the local analyzer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from ..config.settings import ProviderSettings, Settings
from ..errors import UsageError
from ..store import Store
from .base import Clock, Sleep, breaker_settings, lease_for
from .breaker import Breaker
from .ratelimit import RateLimiter
from .runner import LOCAL, Chain, Link
from .steps import Call, Guarded, Limited, Recorded

if TYPE_CHECKING:
    import httpx


class ChainOptions(Protocol):
    """What a run chooses about the chain (api.ReportOptions has these)."""

    @property
    def offline(self) -> bool: ...
    @property
    def providers(self) -> tuple[str, ...]: ...
    @property
    def fallback(self) -> bool: ...
    @property
    def defer_rate_limits(self) -> bool: ...


def select_providers(settings: Settings, options: ChainOptions) -> list[ProviderSettings]:
    """Return the providers to try for one run; an unknown `--provider` name is a UsageError."""
    if options.offline:
        return []
    if not options.providers:
        return [p for p in settings.providers if p.enabled]
    by_name = {p.name: p for p in settings.providers}
    unknown = [n for n in options.providers if n not in by_name and n != LOCAL]
    if unknown:
        known = ", ".join([*by_name, LOCAL])
        raise UsageError(f"Unknown provider '{unknown[0]}' for --provider; configured: {known}.", hint="")
    return [by_name[n] for n in dict.fromkeys(options.providers) if n != LOCAL]


def build_chain(
    settings: Settings,
    options: ChainOptions,
    store: Store | Callable[[], Store],
    *,
    client: httpx.Client | Callable[[], httpx.Client] | None = None,
    env: Mapping[str, str] = os.environ,
    clock: Clock = time.time,
    sleep: Sleep = time.sleep,
) -> Chain:
    """Compose the chain of one run from config: the one place the wrappers are put together.

    `store` may be a function returning it, so a run with no provider never opens the store; `client`
    likewise (a long-lived caller such as the worker shares one client, and its TLS set-up, across reports).
    """
    chosen = select_providers(settings, options)
    local_only = options.offline or (bool(options.providers) and not chosen)  # --offline, --provider local
    fallback = options.fallback or local_only
    chain = Chain(settings, fallback=fallback, defer_rate_limits=options.defer_rate_limits, clock=clock, sleep=sleep)
    if not chosen:
        return chain
    shared = store() if callable(store) else store
    get_client = _client_factory(chain, client)
    for provider in chosen:
        step = _wrap(provider, settings, shared, get_client, env, clock, sleep)
        chain.links.append(Link(provider, settings, step, env))
    return chain


def _wrap(
    provider: ProviderSettings,
    settings: Settings,
    store: Store,
    client: Callable[[], httpx.Client],
    env: Mapping[str, str],
    clock: Clock,
    sleep: Sleep,
) -> Recorded:
    lease = lease_for(provider)
    limiter = RateLimiter(
        store, provider.name, rps=provider.rps, concurrency=provider.concurrency, clock=clock, sleep=sleep, lease=lease
    )
    breaker = Breaker(store, provider.name, breaker_settings(settings, provider), clock, probe_lease=lease)
    return Recorded(Guarded(Limited(Call(provider, client, env), limiter), breaker), store)


def _client_factory(
    chain: Chain, injected: httpx.Client | Callable[[], httpx.Client] | None
) -> Callable[[], httpx.Client]:
    """Return the injected client (or factory), or make one on first use (closed with the chain)."""
    made: list[httpx.Client] = []
    if callable(injected):
        return injected

    def get() -> httpx.Client:
        if injected is not None:
            return injected
        if not made:
            import httpx

            made.append(httpx.Client())
            chain.on_close(made[0].close)
        return made[0]

    return get

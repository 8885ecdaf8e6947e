"""Build the provider chain of one run from config: the one place the wrappers are composed.

    Retried(Adapting(Recorded(Guarded(Limited(Call(provider))))))   per provider, in file or
    then the local analyzer                                        `--provider` order; run by `runner.Chain`

Adapters come from the caller (the context's `Adapters`, on its one HTTP client): the chain creates no
client of its own.

The default chain is every enabled provider in file order; `--provider NAME` (repeatable) picks and
orders them for one run (a disabled one named there is recorded as skipped), `--offline` or
`--provider local` leaves only the local analyzer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from ..config.model import ProviderSettings, Settings
from ..errors import UsageError
from ..store import Store
from .base import Clock, Sleep, breaker_settings, lease_for
from .runner import LOCAL, Chain, Link

if TYPE_CHECKING:
    from ..providers.registry import Adapters
    from .steps import Adapting


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
    adapters: Adapters,
    env: Mapping[str, str] = os.environ,
    clock: Clock = time.time,
    sleep: Sleep = time.sleep,
) -> Chain:
    """Compose the chain of one run from config: the one place the wrappers are put together.

    `store` may be a function returning it, so a run with no provider never opens the store; `adapters`
    are the context's (one HTTP client for every report of a context, and adapters that keep state).
    """
    chosen = select_providers(settings, options)
    local_only = options.offline or (bool(options.providers) and not chosen)  # --offline, --provider local
    fallback = options.fallback or local_only
    chain = Chain(settings, fallback=fallback, defer_rate_limits=options.defer_rate_limits, clock=clock, sleep=sleep)
    if not chosen:
        return chain
    shared = store() if callable(store) else store
    for provider in chosen:
        step = _wrap(provider, settings, shared, adapters, clock, sleep)
        chain.links.append(Link(provider, settings, step, env))
    return chain


def _wrap(
    provider: ProviderSettings, settings: Settings, store: Store, adapters: Adapters, clock: Clock, sleep: Sleep
) -> Adapting:
    from .breaker import Breaker  # the wrappers' code, only for a chain with providers (not --offline)
    from .learned import Learned
    from .ratelimit import RateLimiter
    from .steps import Adapting, Call, Guarded, Limited, Recorded

    lease = lease_for(provider)
    breaking = breaker_settings(settings, provider)
    limiter = RateLimiter(
        store, provider.name, rps=provider.rps, concurrency=provider.concurrency, clock=clock, sleep=sleep,
        lease=lease, max_hold=breaking.cooldown_seconds,
    )  # fmt: skip
    breaker = Breaker(store, provider.name, breaking, clock, probe_lease=lease)
    recorded = Recorded(Guarded(Limited(Call(provider, adapters), limiter), breaker), store)
    return Adapting(recorded, Learned(store, provider, clock))

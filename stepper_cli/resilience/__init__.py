"""Resilience around the providers: retries, shared circuit breakers and rate limits, and fallback.

`build_chain(settings, options, store, adapters=...)` composes them from config; `Chain.run(ChainRequest)` gives a
`ChainOutcome`. Breaker, limit and learned state lives in the store (keys `breaker:<name>`,
`ratelimit:<name>` with its hold, `inflight:<name>`, `learned:<name>:<model>`), so every stepper process
on the machine (or every worker on one Redis) shares it.
"""

from __future__ import annotations

from .chain import build_chain, select_providers
from .runner import Chain, ChainOutcome, ChainRequest, ProvidersFailed

__all__ = ["Chain", "ChainOutcome", "ChainRequest", "ProvidersFailed", "build_chain", "select_providers"]

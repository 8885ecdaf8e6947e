"""What the chain learned about each provider's model, shared by every process through the store.

Store key `learned:<provider>:<model>`, a JSON object with a TTL of `LEARNED_SECONDS` (absent means
"use the rules table", `providers.capabilities.initial`):

    {"shape": {"structured": "json_object", "schema": "full", "token_param": "max_tokens",
               "temperature": true},
     "because": "<the provider's words, scrubbed>", "at": t}

absent -> learned   a 400 named a feature the model does not take (`Unsupported`); the shape one step
                    down is written, and the request is sent again at once (no breaker penalty)
learned -> learned  another feature stepped down (the shape only ever moves down its ladders)
learned -> absent   the TTL passed (the model may have gained the feature), or `stepper providers reset`

Everything read back is untrusted: unknown features or values off their ladder are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..config.model import ProviderSettings
from ..providers.capabilities import initial
from ..providers.shape import Shape
from ..store import Store
from .base import Clock

PREFIX = "learned:"
LEARNED_SECONDS = 7 * 24 * 3600.0


@dataclass(frozen=True)
class LearnedView:
    """One learned shape, for people: the model, what differs from the rules, why, and when it expires."""

    model: str
    changes: str
    because: str
    expires_in: float


class Learned:
    """The learned shape of one provider's model."""

    def __init__(self, store: Store, settings: ProviderSettings, clock: Clock) -> None:
        self.store, self.settings, self.clock = store, settings, clock
        self.key = f"{PREFIX}{settings.name}:{settings.model}"

    def shape(self) -> Shape:
        """Return the shape to send now: the rules table's, with what was learned applied."""
        start = initial(self.settings)
        stored = self.store.get(self.key)
        return start.with_learned(stored.get("shape")) if stored else start

    def learn(self, shape: Shape, because: str | None) -> None:
        """Remember a shape that steps a feature down, for every process, for `LEARNED_SECONDS`."""
        value = {"shape": shape.learned(), "because": (because or "")[:300], "at": self.clock()}
        self.store.put(self.key, value, ttl=LEARNED_SECONDS)


def learned_views(store: Store, settings: ProviderSettings, clock: Clock) -> list[LearnedView]:
    """Return what was learned for a provider (one entry per model seen), for `stepper providers`."""
    views = []
    for key, value in store.scan(f"{PREFIX}{settings.name}:"):
        model = key.removeprefix(f"{PREFIX}{settings.name}:")
        base = initial(replace(settings, model=model))
        shape = base.with_learned(value.get("shape"))
        at = value.get("at")
        left = LEARNED_SECONDS - (clock() - float(at)) if isinstance(at, int | float) else LEARNED_SECONDS
        because = value.get("because")
        changes = base.describe_change(shape) or "nothing"
        views.append(LearnedView(model, changes, because if isinstance(because, str) else "", max(0.0, left)))
    return views


def forget(store: Store, name: str) -> int:
    """Forget everything learned about a provider; return how many entries went."""
    return store.clear(f"{PREFIX}{name}:")

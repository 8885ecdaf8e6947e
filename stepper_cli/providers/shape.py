"""The shape of one request: the few things that differ from model to model, and how each steps down.

    structured    json_schema -> json_object -> prompt    how JSON is asked for (prompt: instructions only)
    schema        full -> basic                            which JSON-schema keywords are sent
    token_param   max_tokens -> max_completion_tokens      the name of the output budget (OpenAI protocol)
    temperature   True -> False                            whether a temperature is sent at all
    max_tokens    the output budget; a truncated reply is asked once more with `bigger()`
    thinking      None (the model's default) or "low": a bounded thinking budget, where the API has one

`capabilities.initial` picks the starting shape from a rules table; a 400 naming one of these features
steps that feature down (`step_down`), and what worked is remembered per provider and model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

#: each feature's values, best first; a step down moves one place right
LADDERS: dict[str, tuple[Any, ...]] = {
    "structured": ("json_schema", "json_object", "prompt"),
    "schema": ("full", "basic"),
    "token_param": ("max_tokens", "max_completion_tokens"),
    "temperature": (True, False),
}
#: how much a truncated reply's budget grows for its one retry, and the most it may grow to
GROWTH, MAX_OUTPUT_TOKENS = 2, 16384


@dataclass(frozen=True, slots=True)
class Shape:
    """How to phrase one request for one model."""

    structured: str = "json_schema"
    schema: str = "full"
    token_param: str = "max_tokens"
    temperature: bool = True
    max_tokens: int = 1500
    thinking: str | None = None

    def step_down(self, feature: str) -> Shape | None:
        """Return this shape with `feature` one step down its ladder, or None at the bottom."""
        ladder = LADDERS.get(feature)
        if ladder is None:
            return None
        at = ladder.index(getattr(self, feature))
        return None if at + 1 >= len(ladder) else replace(self, **{feature: ladder[at + 1]})

    def bigger(self) -> Shape:
        """Return this shape with a larger output budget and a bounded thinking budget (truncation)."""
        return replace(self, max_tokens=min(self.max_tokens * GROWTH, MAX_OUTPUT_TOKENS), thinking="low")

    def learned(self) -> dict[str, Any]:
        """Return the features that can be learned (not the budget), for the store."""
        return {k: v for k, v in asdict(self).items() if k in LADDERS}

    def with_learned(self, data: Any) -> Shape:
        """Apply features read back from the store; anything unknown or off-ladder is ignored (untrusted)."""
        if not isinstance(data, dict):
            return self
        known = {f.name for f in fields(self)}
        good = {k: v for k, v in data.items() if k in known and k in LADDERS and v in LADDERS[k]}
        return replace(self, **good)

    def describe_change(self, other: Shape) -> str:
        """Say what differs from `other`, e.g. 'structured json_schema -> json_object'."""
        return ", ".join(
            f"{k} {getattr(self, k)} -> {getattr(other, k)}" for k in LADDERS if getattr(self, k) != getattr(other, k)
        )

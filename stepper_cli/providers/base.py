"""What every provider adapter is: a name, a config, and `generate(prompt, shape) -> text`.

An adapter knows only its wire protocol: it phrases the request as the `Shape` says, posts it, pulls
the text out, and classifies what went wrong (refused, truncated, unsupported, ...). Breakers, rate
limits, retries, learning and fallback wrap it elsewhere (`stepper_cli.resilience`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from ..config.model import ProviderSettings
from .schema import json_instructions
from .shape import Shape


@dataclass(frozen=True, slots=True)
class Prompt:
    """The text sent to a model: instructions and the commit evidence (already redacted)."""

    system: str
    user: str


def chat_messages(prompt: Prompt) -> list[dict[str, str]]:
    """The system + user message list that chat-style protocols share."""
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]


def asking_json(prompt: Prompt, shape: Shape, *, schema_sent: bool) -> Prompt:
    """Add the JSON instructions (with the schema) to the system text when the API is not given the schema."""
    if schema_sent:
        return prompt
    return replace(prompt, system=f"{prompt.system}\n\n{json_instructions()}")


class Provider(Protocol):
    """A model behind one wire protocol."""

    name: str
    settings: ProviderSettings

    def generate(self, prompt: Prompt, shape: Shape) -> str:
        """Send the prompt phrased as `shape` says and return the model's text; raise a ProviderError."""
        ...

    @property
    def secrets(self) -> tuple[str, ...]:
        """The key values this adapter holds (scrubbed from anything it passes on)."""
        ...

    def list_models(self) -> list[str]:
        """Return the names of the models the provider serves (empty when its API has no listing)."""
        ...

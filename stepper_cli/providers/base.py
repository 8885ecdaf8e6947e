"""What every provider adapter is: a name, a config, and `generate(prompt) -> text`.

An adapter knows only its wire protocol. Breakers, rate limits, retries and fallback wrap it
elsewhere (`stepper_cli.resilience`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..config.settings import ProviderSettings


@dataclass(frozen=True, slots=True)
class Prompt:
    """The text sent to a model: instructions and the commit evidence (already redacted)."""

    system: str
    user: str


def chat_messages(prompt: Prompt) -> list[dict[str, str]]:
    """The system + user message list that chat-style protocols share."""
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]


class Provider(Protocol):
    """A model behind one wire protocol."""

    name: str
    settings: ProviderSettings

    def generate(self, prompt: Prompt) -> str:
        """Send the prompt and return the model's text; raise a ProviderError subclass on failure."""
        ...

"""Token counts read from each provider's reply, and how they reach the attempt that paid for them.

An adapter reads the counts from the reply it got (`note(openai_tokens(data))`), before it looks at the
text, so a truncated or refused reply that was billed is counted too. The chain wraps each try in
`metered()`, a per-thread context variable (as `deadline` does), and reads the sum afterwards: the
adapters' `generate(prompt, shape) -> str` stays as it is.

Where each API puts them (every value is untrusted: only non-negative whole numbers are taken):

    openai      usage.prompt_tokens, usage.completion_tokens (reasoning included); usage may be null
    anthropic   usage.input_tokens (+ cache_creation_input_tokens + cache_read_input_tokens), output_tokens
    gemini      usageMetadata.promptTokenCount (cached included), candidatesTokenCount + thoughtsTokenCount
                (thinking is billed as output; candidatesTokenCount is absent when only thinking came back)
    cohere v2   usage.tokens.input_tokens / output_tokens, else usage.billed_units (the same names)
    ollama      prompt_eval_count (absent when the prompt was cached: 0), eval_count
    TGI, Gradio, /api/infer: none (their attempts carry no `tokens`)
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from ..report.model import Tokens

MAX_TOKENS = 10**9  # more than any context window: a larger "count" is not one


_METER: contextvars.ContextVar[list[Tokens] | None] = contextvars.ContextVar("stepper_tokens", default=None)


@contextlib.contextmanager
def metered(seen: list[Tokens]) -> Iterator[list[Tokens]]:
    """Collect what the adapter notes inside the block into `seen` (one entry per reply that had counts)."""
    token = _METER.set(seen)
    try:
        yield seen
    finally:
        _METER.reset(token)


def note(tokens: Tokens | None) -> None:
    """Add one reply's counts to the current try (nothing when unknown or when no one is metering)."""
    seen = _METER.get()
    if tokens is not None and seen is not None:
        seen.append(tokens)


def total(seen: list[Tokens]) -> Tokens | None:
    """The sum of a try's counts (input: the prompt; output: generated, thinking included), or None when no
    reply had any."""
    if not seen:
        return None
    return Tokens(input=sum(t.input for t in seen), output=sum(t.output for t in seen))


def _count(value: Any) -> int | None:
    """A token count: a non-negative whole number (a float like 12.0 included), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or not 0 <= value <= MAX_TOKENS or int(value) != value:
        return None
    return int(value)


def _field(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _pair(inputs: int | None, outputs: int | None) -> Tokens | None:
    if inputs is None and outputs is None:
        return None
    return Tokens(input=inputs or 0, output=outputs or 0)


def openai_tokens(data: Any) -> Tokens | None:
    """Counts of a chat-completions reply."""
    usage = _field(data, "usage")
    return _pair(_count(_field(usage, "prompt_tokens")), _count(_field(usage, "completion_tokens")))


def anthropic_tokens(data: Any) -> Tokens | None:
    """Counts of a Messages reply: all input (uncached, written to and read from the cache) and output."""
    usage = _field(data, "usage")
    parts = [
        _count(_field(usage, k)) for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    ]
    known = [p for p in parts if p is not None]
    return _pair(sum(known) if known else None, _count(_field(usage, "output_tokens")))


def gemini_tokens(data: Any) -> Tokens | None:
    """Counts of a generateContent reply (thinking counted as output, as it is billed)."""
    meta = _field(data, "usageMetadata")
    visible, thoughts = _count(_field(meta, "candidatesTokenCount")), _count(_field(meta, "thoughtsTokenCount"))
    output = None if visible is None and thoughts is None else (visible or 0) + (thoughts or 0)
    return _pair(_count(_field(meta, "promptTokenCount")), output)


def cohere_tokens(data: Any) -> Tokens | None:
    """Counts of a v2 chat reply: the tokens processed, else the billed units."""
    for section in ("tokens", "billed_units"):
        part = _field(data, "usage", section)
        found = _pair(_count(_field(part, "input_tokens")), _count(_field(part, "output_tokens")))
        if found is not None:
            return found
    return None


def ollama_tokens(data: Any) -> Tokens | None:
    """Counts of an /api/chat reply."""
    return _pair(_count(_field(data, "prompt_eval_count")), _count(_field(data, "eval_count")))

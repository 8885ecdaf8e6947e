"""What `stepper report` tells a person on stderr while the chain runs: what it waits for, and why a
fallback happened.

- On a terminal (and without `-q`), a one-line status names the provider being waited for, its
  attempt and its limit; it disappears when the report is done.
- When the local analyzer wrote the report after providers were tried or skipped, one line says which
  provider did not answer and why (`FellBack.notice()`), terminal or not, unless `-q`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from .. import events
from .lean.output import is_tty, warn  # Typer-free: the lean report uses this module


@contextlib.contextmanager
def watch_chain(quiet: bool) -> Iterator[None]:
    """Show the chain's progress and fallbacks on stderr for the duration of the block."""
    if quiet:
        yield
        return
    status: list[Any] = []

    def stop() -> None:
        while status:
            status.pop().stop()

    def on_event(event: events.Event) -> None:
        if isinstance(event, events.ProviderWaiting) and is_tty(sys.stderr):
            text = f"Waiting for {event.provider} (attempt {event.attempt}, up to {event.seconds:.0f} s)"
            if status:
                status[0].update(text)
            else:
                status.append(_status(text))
        elif isinstance(event, events.ReportSucceeded | events.FellBack | events.ChainFailed):
            stop()
            if isinstance(event, events.FellBack) and event.reasons:
                warn(event.notice())

    unsubscribe = events.subscribe(on_event)
    try:
        yield
    finally:
        unsubscribe()
        stop()


def _status(text: str) -> Any:
    from rich.console import Console

    status = Console(stderr=True).status(text)
    status.start()
    return status

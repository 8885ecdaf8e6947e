"""`stepper metrics [--textfile PATH] [--json]`: the shared counters in Prometheus text format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import DebugOpt, JsonOpt, QuietOpt, emit, emit_json


def register(app: typer.Typer) -> None:
    app.command("metrics")(metrics)


def metrics(
    textfile: Annotated[
        Path | None,
        typer.Option("--textfile", help="Write atomically to this file (node_exporter's textfile collector)."),
    ] = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Print the counters, histograms and queue depth every stepper process shares."""
    from .. import api
    from ..metrics.export import render, snapshot, write_textfile
    from ..store import open_store

    with open_store(api.state_config(".").settings.queue.url) as store:
        if as_json:
            emit_json(snapshot(store))
            return
        text = render(store)
    if textfile is None:
        emit(text)
        return
    write_textfile(textfile, text)
    if not quiet:
        emit(f"Wrote {textfile}")

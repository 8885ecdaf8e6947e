"""`stepper metrics [--textfile PATH] [--json]`: the shared counters in Prometheus text format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import DebugOpt, JsonOpt, QuietOpt, RepoOpt, emit, emit_json
from .helptext import examples


def register(app: typer.Typer) -> None:
    app.command("metrics", short_help="Print the shared counters (Prometheus text).", epilog=examples(
        "stepper metrics", "stepper metrics --json",
        "stepper metrics --quiet --textfile /var/lib/node_exporter/stepper.prom",
    ))(metrics)  # fmt: skip


def metrics(
    textfile: Annotated[
        Path | None,
        typer.Option(
            "--textfile", metavar="FILE", help="Write atomically to this file (node_exporter's textfile collector)."
        ),
    ] = None,
    repo: RepoOpt = Path("."),
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Print the counters, histograms and queue depth every stepper process shares."""
    from ..metrics.export import render, snapshot, write_textfile
    from ..resilience.admin import list_providers, load_config
    from ..store import open_store

    settings = load_config(repo).settings
    with open_store(settings.queue.url) as store:
        breakers = {p.name: str(p.breaker) for p in list_providers(settings, store) if p.kind != "local"}
        if as_json:
            emit_json(snapshot(store, breakers))
            return
        text = render(store, breakers)
    if textfile is None:
        emit(text)
        return
    write_textfile(textfile, text)
    if not quiet:
        emit(f"Wrote {textfile}")

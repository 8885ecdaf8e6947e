"""Assemble the Typer app from the command-group modules."""

from __future__ import annotations

import typer

from .. import __version__


def build_app() -> typer.Typer:
    """Return the `stepper` app with every command registered."""
    from . import config, report

    app = typer.Typer(
        name="stepper",
        help="Structured reports about git commits, from LLM providers or offline.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback(invoke_without_command=True)(_root)
    report.register(app)
    app.add_typer(config.app, name="config")
    return app


def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    """Structured reports about git commits, from LLM providers or offline."""
    if version:
        typer.echo(f"stepper {__version__}")
        raise typer.Exit(0)

"""Assemble the Typer app from the command-group modules."""

from __future__ import annotations

import typer

from .. import __version__


def build_app() -> typer.Typer:
    """Return the `stepper` app with every command registered."""
    from . import cache, config, digest, hook, metrics, report
    from . import queue as queue_commands
    from .helptext import root_epilog

    app = typer.Typer(
        name="stepper",
        help="Structured reports about git commits, from LLM providers or offline.",
        epilog=root_epilog(),
        no_args_is_help=True,
        add_completion=True,
        rich_markup_mode=None,  # click's plain help: no <bool> metavars, option names never cut at 80 columns
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback(invoke_without_command=True)(_root)
    report.register(app)
    digest.register(app)
    queue_commands.register(app)
    app.add_typer(config.app, name="config")
    app.add_typer(cache.app, name="cache")
    app.add_typer(_providers_app(), name="providers")
    app.add_typer(hook.app, name="hook")
    metrics.register(app)
    return app


def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    """Structured reports about git commits, from LLM providers or offline."""
    if version:
        typer.echo(f"stepper {__version__}")
        raise typer.Exit(0)


def _providers_app() -> typer.Typer:
    from .providers import app

    return app

"""`stepper config show | path | init | trust`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import DebugOpt, JsonOpt, RepoOpt, emit, emit_json, warn
from .helptext import examples

app = typer.Typer(
    help="Show, locate, create or trust configuration.",
    no_args_is_help=True,
    epilog=examples("stepper config show", "stepper config init", "stepper config trust"),
)


@app.command(
    "show", epilog=examples("stepper config show", "stepper config show --json | jq .'\"retry.max_attempts\"'")
)
def show(repo: RepoOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Print the effective configuration, each value with where it came from (secrets masked)."""
    from ..config.view import effective_config
    from ..git.commits import repo_root

    rows, warnings = effective_config(repo_root(repo))
    for line in warnings:
        warn(line)
    if as_json:
        emit_json({key: {"value": value, "source": source} for key, value, source in rows})
        return
    width = max(len(k) for k, _, _ in rows)
    emit("\n".join(f"{k:<{width}}  {_fmt(v)}  ({s})" for k, v, s in rows))


def _fmt(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@app.command("path", epilog=examples("stepper config path", "stepper config path --json"))
def path(repo: RepoOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Print the config files that apply (and STEPPER_HOME)."""
    from ..config.view import config_locations
    from ..git.commits import repo_root

    places = config_locations(repo_root(repo))
    if as_json:
        emit_json(places)
        return
    emit("\n".join(f"{name}: {where}" for name, where in places.items()))


@app.command("init", epilog=examples("stepper config init", "stepper config init --path ./stepper.toml --force"))
def init(
    target: Annotated[
        Path | None, typer.Option("--path", metavar="FILE", help="Write here instead of the user file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write a starter config file (every key, commented, with its default)."""
    from ..config.view import write_starter

    written = write_starter(target, force=force)
    if as_json:
        emit_json({"path": str(written)})
    else:
        emit(f"Wrote {written}")


@app.command("trust", epilog=examples("stepper config trust", "stepper config trust --repo ../other-clone"))
def trust(repo: RepoOpt = Path("."), debug: DebugOpt = False) -> None:
    """Trust this repository's .stepper.toml as it is now (providers and notify then apply)."""
    from ..config.view import trust_repo_file
    from ..git.commits import open_repo

    file, digest = trust_repo_file(open_repo(repo).root)
    emit(f"Trusted {file} (sha256 {digest[:12]}); edit it and you will be asked again.")
    if os.environ.get("STEPPER_CONFIG"):
        warn("note: STEPPER_CONFIG is set; the repository file still applies on top of it.")

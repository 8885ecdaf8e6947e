"""`stepper config show | path | init | trust`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import DebugOpt, JsonOpt, RepoOpt, emit, emit_json, warn
from .helptext import examples

if TYPE_CHECKING:
    from ..config.view import TrustPlan

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
    from ..config.allowlist import shown

    return shown(json.dumps(value, ensure_ascii=False, default=str), 10_000)


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


YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Trust without asking (for scripts).")]


@app.command("trust", epilog=examples("stepper config trust", "stepper config trust --yes --json"))
def trust(repo: RepoOpt = Path("."), yes: YesOpt = False, as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Show what this repository's .stepper.toml would turn on beyond the allow-list, then trust it as it is now."""
    from ..config.allowlist import shown
    from ..config.view import trust_plan, trust_repo_file
    from ..errors import UsageError
    from ..git.commits import open_repo

    plan = trust_plan(open_repo(repo).root)
    if plan.turns_on and not as_json:
        emit(_plan_text(plan))
    if plan.turns_on and not yes:
        if not sys.stdin.isatty():
            raise UsageError("There is no terminal to ask on: pass --yes to trust the file as shown.", hint="")
        if as_json:  # stdout is for the JSON; the person deciding still sees what they decide on
            warn(_plan_text(plan))
        if not typer.confirm("Trust it?", default=False, err=True):
            _declined(plan, as_json)
            return
    trust_repo_file(plan)
    if as_json:
        emit_json(plan.to_json(trusted=True))
    else:
        emit(f"Trusted {shown(str(plan.file))} (sha256 {plan.digest[:12]}); edit it and you will be asked again.")
    if os.environ.get("STEPPER_CONFIG"):
        warn("note: STEPPER_CONFIG is set; the repository file still applies on top of it.")


def _declined(plan: TrustPlan, as_json: bool) -> None:
    if as_json:
        emit_json(plan.to_json(trusted=False))
    else:
        emit("Not trusted; nothing changed.")


def _plan_text(plan: TrustPlan) -> str:
    from ..config.allowlist import shown

    lines = [f"{shown(str(plan.file))} would turn on, beyond what any repository may set:"]
    for item in plan.turns_on:
        note = f"  ({shown(item.note)})" if item.note else ""
        lines.append(f"  {item.key} = {shown(json.dumps(item.value, ensure_ascii=False, default=str))}{note}")
    return "\n".join(lines)

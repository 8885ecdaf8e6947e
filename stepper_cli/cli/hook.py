"""`stepper hook install | uninstall | status`: the git post-commit hook."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import DebugOpt, JsonOpt, QuietOpt, RepoOpt, emit, emit_json, warn
from .helptext import examples

if TYPE_CHECKING:
    from ..config.model import HookSettings

app = typer.Typer(
    help="Install, remove or inspect the git post-commit hook.",
    no_args_is_help=True,
    epilog=examples("stepper hook install", "stepper hook status", "stepper hook uninstall"),
)


class Mode(enum.StrEnum):
    enqueue = "enqueue"
    report = "report"


_MESSAGES = {
    "created": "Installed the post-commit hook in {path}.",
    "added": "Added stepper to your existing post-commit hook {path} (uninstall restores it).",
    "updated": "Updated stepper's block in {path}.",
    "unchanged": "The post-commit hook in {path} is already up to date.",
    "removed": "Removed stepper's block from {path}; the rest of the hook is as it was.",
    "deleted": "Removed the post-commit hook {path} (stepper had created it).",
    "absent": "stepper's hook is not installed in {path}; nothing to do.",
}


@app.command(
    "install",
    epilog=examples(
        "stepper hook install",
        "stepper hook install --mode report",
        "stepper hook install --repo ~/src/app --skip-during-rebase",
    ),
)
def install(
    repo: RepoOpt = Path("."),
    mode: Annotated[
        Mode | None,
        typer.Option(
            "--mode",
            metavar="MODE",
            help="enqueue (queue it; the default) or report (write it inline, within hook.report_budget_seconds).",
            show_default=False,
        ),
    ] = None,
    skip_rebase: Annotated[
        bool | None,
        typer.Option(
            "--skip-during-rebase/--queue-during-rebase",
            show_default=False,
            help="Skip or queue commits made by rebase, cherry-pick and merge sequences "
            "(default: hook.skip_during_rebase).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write through a symlinked hook or outside the git directory.")
    ] = False,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Queue a report of every new commit (adds a few milliseconds to git commit, never fails it)."""
    from .. import api
    from ..git import hook

    ctx = api.open_context(repo)
    values = hook.install_values(ctx.settings.hook, mode.value if mode else None, skip_rebase)
    path, action = hook.install(ctx.repo, values, force=force)
    _done(path, action, as_json, quiet)
    if not (as_json or quiet) and values.mode == "enqueue" and action != "unchanged":
        warn("Reports are written by 'stepper worker' (run it, or 'stepper worker --burst' now and then).")


@app.command("uninstall", epilog=examples("stepper hook uninstall", "stepper hook uninstall --repo ~/src/app --json"))
def uninstall(repo: RepoOpt = Path("."), as_json: JsonOpt = False, quiet: QuietOpt = False,
              debug: DebugOpt = False) -> None:  # fmt: skip
    """Remove stepper's block from the post-commit hook, leaving the rest byte for byte."""
    from ..git import hook
    from ..git.commits import open_repo

    path, action = hook.uninstall(open_repo(repo))  # no configuration needed: a broken one cannot lock you out
    _done(path, action, as_json, quiet)


@app.command("status", epilog=examples("stepper hook status", "stepper hook status --json"))
def status(repo: RepoOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Show where the hook is, what it records, and its recent errors (from the hook log)."""
    from ..git import hook
    from ..git.commits import open_repo

    found = open_repo(repo)
    settings, problem = _hook_settings(found.root)
    state = hook.status(found, settings)
    if problem:
        state = dataclasses.replace(state, notes=[*state.notes, problem])
    if as_json:
        emit_json(state.to_json())
        return
    lines = [f"hook: {state.path}", f"installed: {'yes' if state.installed else 'no'}"]
    if state.installed:
        lines.append(f"chained with another hook: {'yes' if state.chained else 'no'}")
        lines += [f"{key}: {value}" for key, value in state.values.items()]
    lines += [f"problem: {p}" for p in state.problems] + [f"note: {n}" for n in state.notes]
    lines.append(f"log: {state.log}")
    lines += ["recent errors:", *[f"  {e}" for e in state.recent_errors]] if state.recent_errors else []
    emit("\n".join(lines))


def _hook_settings(root: Path) -> tuple[HookSettings | None, str]:
    """The [hook] settings to compare the installed hook with; None (and why) when the config does not load."""
    from ..config.load import load_settings
    from ..errors import ConfigError

    try:
        return load_settings(root).settings.hook, ""
    except ConfigError as exc:
        return None, f"the configuration does not load, so [hook] was not compared ({exc.message})"


def _done(path: Path, action: str, as_json: bool, quiet: bool) -> None:
    if as_json:
        emit_json({"path": str(path), "action": action})
    elif not quiet:
        emit(_MESSAGES[action].format(path=path))

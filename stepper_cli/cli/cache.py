"""`stepper cache stats | show REV | clear`: the report cache."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import DebugOpt, JsonOpt, RepoOpt, emit, emit_json
from .complete import revisions
from .helptext import examples

app = typer.Typer(
    help="Inspect or clear the report cache.",
    no_args_is_help=True,
    epilog=examples("stepper cache stats", "stepper cache show HEAD", "stepper cache clear"),
)


@app.command("stats", epilog=examples("stepper cache stats", "stepper cache stats --json"))
def stats(repo: RepoOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Count the cached reports: fresh, stale, pending refresh, failed, fallback; and patch-id aliases."""
    from .. import api

    found = api.cache_stats(repo=repo)
    if as_json:
        emit_json(found.to_json())
        return
    emit("\n".join(f"{name:<10} {value}" for name, value in found.to_json().items()))


@app.command("show", epilog=examples("stepper cache show", "stepper cache show HEAD~1 --json"))
def show(
    rev: Annotated[str, typer.Argument(metavar="REV", help="A commit.", autocompletion=revisions)] = "HEAD",
    repo: RepoOpt = Path("."),
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show the cache entry of a commit: its key, state, age and report."""
    from .. import api

    found = api.cache_entry(rev, repo=repo)
    if as_json:
        emit_json(found.to_json())
        return
    emit(_entry_text(found.commit, found.cache_key, found.entry))


@app.command("clear", epilog=examples("stepper cache clear", "stepper cache clear --json"))
def clear(repo: RepoOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Remove every cached report; a corrupt cache or queue file is deleted without being opened."""
    from .. import api

    cleared = api.clear_cache(repo=repo)
    if as_json:
        emit_json(cleared.to_json())
        return
    lines = [f"Deleted the corrupt file {f}." for f in cleared.deleted_files]
    if cleared.unreadable:
        lines.append(f"Deleted {cleared.unreadable} store entries stepper could not read.")
    emit("\n".join([*lines, f"Removed {cleared.reports} cached reports."]))


def _entry_text(sha: str, key: str, entry: dict[str, Any] | None) -> str:
    lines = [f"commit     {sha}", f"cache key  {key}"]
    if entry is None:
        return "\n".join([*lines, "state      not cached"])
    lines.append(f"state      {entry.get('state')}")
    if "written_at" in entry:
        age = time.time() - float(entry["written_at"])
        lines.append(f"age        {age / 3600:.1f} h" + (" (fallback)" if entry.get("fallback") else ""))
    for name in ("job_id", "error"):
        if entry.get(name):
            lines.append(f"{name:<10} {entry[name]}")
    result = entry.get("result")
    if result:
        lines += [f"provider   {result.get('provider')}", f"title      {result['report']['title']}"]
        lines += ["", json.dumps(result["report"], indent=2, ensure_ascii=False)]
    return "\n".join(lines)

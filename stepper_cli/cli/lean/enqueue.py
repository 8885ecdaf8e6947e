"""`stepper enqueue [REV | A..B]`: the implementation, for the git hook (the Typer command only delegates here).

A whole run costs a few times `python -c pass`: git, the store and the settings snapshot; no Typer, no
pydantic, no provider code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .output import setup_logging, warn

if TYPE_CHECKING:
    from ...jobs.submit import EnqueueResult


class EnqueueArgs(NamedTuple):
    """The parameters of `stepper enqueue`, named as the Typer command declares them (cli/queue.py)."""

    rev: str = "HEAD"
    repo: str | Path = "."
    priority: int = 0
    as_json: bool = False
    quiet: bool = False
    stdin: bool = False
    verbose: bool = False
    debug: bool = False


def run_enqueue(args: EnqueueArgs) -> int:
    """Enqueue REV (or each commit of A..B, or of each revision on stdin) and print the outcome."""
    from ...generate.snapshot import enqueue_settings
    from ...git.commits import open_repo, resolve_revs
    from ...jobs.submit import enqueue_commits

    setup_logging(args.verbose, args.debug)
    repo = open_repo(args.repo)
    conf = enqueue_settings(repo.root)
    if not args.quiet:
        for line in conf.warnings:
            warn(line)
    specs = sys.stdin.read().split() if args.stdin else [args.rev]
    shas = list(dict.fromkeys(sha for spec in specs for sha in resolve_revs(repo, spec)))  # each commit once
    results = enqueue_commits(repo, conf, shas, args.priority)
    sys.stdout.write(render(results, args, as_list=args.stdin or ".." in args.rev))
    sys.stdout.flush()
    return 0


def render(results: list[EnqueueResult], args: EnqueueArgs, as_list: bool) -> str:
    """The outcome as JSON, job ids (--quiet) or one line per commit."""
    if args.as_json:
        data = [r.to_json() for r in results]
        return json.dumps(data if as_list else data[0], indent=2) + "\n"
    if args.quiet:
        return "".join(f"{r.job_id}\n" for r in results if r.job_id)
    return "".join(_line(r) + "\n" for r in results)


def _line(r: EnqueueResult) -> str:
    short = r.commit[:12]
    if r.status == "cached":
        return f"cached     {short}  a fresh report is in the cache"
    if r.status == "stale":
        return f"stale      {short}  the cached report is stale; refresh job {r.job_id}"
    if r.status == "duplicate":
        return f"duplicate  {short}  already queued as job {r.job_id}"
    return f"queued     {short}  job {r.job_id}"

"""`stepper enqueue` without Typer, for the git hook: a whole run costs a few times `python -c pass`.

`cli.main` sends `enqueue` here first. Plain arguments (REV, --repo, --json, --quiet, --priority, --verbose,
--debug) are parsed by hand; anything else (--help, a typo) returns None and the Typer command, which
calls the same `run_enqueue`, handles it. Imports stay lean: git, the store, the snapshot of the settings.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .args import plain_args

if TYPE_CHECKING:
    from ...jobs.submit import EnqueueResult

_FLAGS = {"--json": "as_json", "--quiet": "quiet", "-q": "quiet", "--verbose": "verbose", "-v": "verbose",
          "--debug": "debug"}  # fmt: skip


@dataclass
class EnqueueArgs:
    rev: str = "HEAD"
    repo: str = "."
    priority: int = 0
    as_json: bool = False
    quiet: bool = False
    verbose: bool = False
    debug: bool = False


def enqueue_fast(argv: list[str]) -> int | None:
    """Run `stepper enqueue ARGV`; None when the arguments need the full command line."""
    args = parse(argv)
    if args is None:
        return None
    return run_enqueue(args)


def parse(argv: list[str]) -> EnqueueArgs | None:
    """The arguments, or None for anything but the plain forms."""
    parsed = plain_args(argv, set(_FLAGS), {"--repo", "--priority"})
    if parsed is None:
        return None
    seen, rev = parsed
    priority = seen.get("--priority", "0")
    if not priority.lstrip("-").isdigit():
        return None
    args = EnqueueArgs(rev=rev, repo=seen.get("--repo", "."), priority=int(priority))
    for flag, attr in _FLAGS.items():
        if flag in seen:
            setattr(args, attr, True)
    return args


def run_enqueue(args: EnqueueArgs) -> int:
    """Enqueue REV (or each commit of A..B) and print the outcome."""
    from ...generate.snapshot import enqueue_settings
    from ...git.commits import open_repo, resolve_revs
    from ...jobs.submit import enqueue_commits

    repo = open_repo(args.repo)
    conf = enqueue_settings(repo.root)
    if not args.quiet:
        for line in conf.warnings:
            print(line, file=sys.stderr)
    results = enqueue_commits(repo, conf, resolve_revs(repo, args.rev), args.priority)
    sys.stdout.write(render(results, args, as_list=".." in args.rev))
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

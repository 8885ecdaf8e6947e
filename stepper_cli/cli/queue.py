"""`stepper enqueue`, `stepper status` and `stepper worker`: the queue from the command line."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import DebugOpt, Format, FormatOpt, JsonOpt, QuietOpt, RepoOpt, VerboseOpt, emit, is_tty, warn

if TYPE_CHECKING:
    from ..jobs.ledger import JobInfo


def register(app: typer.Typer) -> None:
    app.command("enqueue")(enqueue)
    app.command("status")(status)
    app.command("worker")(worker)


def enqueue(
    rev: Annotated[str, typer.Argument(help="A commit (default HEAD) or a range A..B.")] = "HEAD",
    repo: RepoOpt = Path("."),
    priority: Annotated[int, typer.Option("--priority", help="Higher runs sooner (default 0).")] = 0,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the job id (or nothing).")] = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Queue the report of a commit and return at once: cached, stale (+ refresh), duplicate or queued."""
    from .lean.enqueue import EnqueueArgs, run_enqueue

    args = EnqueueArgs(rev, str(repo), priority, as_json, quiet, verbose, debug)
    return run_enqueue(args)


def status(
    job_id: Annotated[
        str | None, typer.Argument(help="A job id (default: recent jobs and counts; empty: the job of HEAD).")
    ] = None,
    repo: RepoOpt = Path("."),
    commit: Annotated[str | None, typer.Option("--commit", help="The latest job of this revision.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Block until the job is done or failed.")] = False,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Give up waiting after S seconds.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many recent jobs to list.")] = 10,
    fmt: FormatOpt = Format.text,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Show one job (exit 6 if it failed), or queue counts and the most recent jobs."""
    from .. import api
    from .render import job_list_text, job_text

    as_json = as_json or fmt is Format.json
    if job_id is None and commit is None:
        jobs = api.list_jobs(repo=repo, limit=limit)
        emit(_dumps(jobs.to_json()) if as_json else job_list_text(jobs))
        return 0
    if job_id:
        job = _wait(job_id, timeout, repo) if wait else api.get_job(job_id, repo=repo)
    else:  # --commit REV, or an empty id (`stepper enqueue -q` prints none for a cached report): HEAD
        job = api.job_for_commit(commit or "HEAD", repo=repo)
        if wait and job.job_id and job.state in ("queued", "running"):
            job = _wait(job.job_id, timeout, repo)
    emit(_dumps(job.to_json()) if as_json else job_text(job, markdown=fmt is Format.markdown))
    if job.state == "failed":
        warn(f"stepper: job {job.job_id} failed: {job.record.get('error')}")
        return 6
    return 0


def _wait(job_id: str, timeout: float | None, repo: Path) -> JobInfo:
    from .. import api

    if not is_tty(sys.stderr):
        return api.wait_for_job(job_id, timeout=timeout, repo=repo)
    from rich.console import Console

    with Console(stderr=True).status(f"Waiting for job {job_id}…") as spinner:
        return api.wait_for_job(
            job_id, timeout=timeout, repo=repo, tick=lambda j: spinner.update(f"Job {job_id} is {j.state}…")
        )


def worker(
    concurrency: Annotated[int | None, typer.Option("--concurrency", "-c", help="Jobs at once.")] = None,
    burst: Annotated[bool, typer.Option("--burst", help="Drain the queue, then exit.")] = False,
    log_file: Annotated[Path | None, typer.Option("--log-file", help="Append a line per job here.")] = None,
    shutdown_timeout: Annotated[
        float, typer.Option("--shutdown-timeout", help="Seconds running jobs get to finish on SIGINT/SIGTERM.")
    ] = 30.0,
    repo: RepoOpt = Path("."),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Run jobs from the queue until stopped (SIGINT/SIGTERM finish running jobs first), or drain it (--burst)."""
    from .. import api
    from ..jobs.worker import WorkerOptions

    settings = api.state_config(repo).settings
    options = WorkerOptions(
        concurrency=concurrency or settings.queue.concurrency, burst=burst, shutdown_timeout=shutdown_timeout,
        lease_seconds=settings.queue.lease_seconds,
    )  # fmt: skip
    log = _JobLog(log_file, to_stderr=not quiet and (verbose or is_tty(sys.stderr)))
    try:
        summary = api.run_worker(options, repo=repo, log=log)
    finally:
        log.close()
    if not quiet:
        warn(f"worker: {summary.done} done, {summary.failed} failed, {summary.deferred} deferred, "
             f"{summary.requeued} handed back")  # fmt: skip
    return 0


class _JobLog:
    """One line per job on stderr (a terminal, or --verbose) and in --log-file."""

    def __init__(self, path: Path | None, to_stderr: bool) -> None:
        self.to_stderr = to_stderr
        try:  # owner-only, like everything stepper writes: job lines name commits and repositories
            fd = None if path is None else os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self.file = None if fd is None else os.fdopen(fd, "a", encoding="utf-8")
        except OSError as exc:
            from ..errors import UsageError

            raise UsageError(f"Cannot write --log-file {path}: {exc.strerror or exc}.", hint="") from exc

    def __call__(self, line: str) -> None:
        stamped = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}"
        if self.to_stderr:
            print(stamped, file=sys.stderr, flush=True)
        if self.file is not None:
            self.file.write(stamped + "\n")
            self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _dumps(data: object) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False)

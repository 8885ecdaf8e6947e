"""`stepper enqueue`, `stepper status` and `stepper worker`: the queue from the command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import DebugOpt, Format, JsonOpt, QuietOpt, RepoOpt, VerboseOpt, emit, is_tty, warn
from .complete import revisions
from .helptext import examples

if TYPE_CHECKING:
    from ..jobs.ledger import JobInfo


def register(app: typer.Typer) -> None:
    app.command("enqueue", short_help="Queue reports and return at once.", epilog=examples(
        "stepper enqueue", "stepper enqueue HEAD~5..HEAD --json", 'stepper status "$(stepper enqueue -q)" --wait',
    ))(enqueue)  # fmt: skip
    app.command("status", short_help="Show a job, or the queue and recent jobs.", epilog=examples(
        "stepper status", "stepper status JOB_ID --wait --timeout 60", "stepper status --commit HEAD --json",
    ))(status)  # fmt: skip
    app.command("worker", short_help="Run the queued jobs.", epilog=examples(
        "stepper worker", "stepper worker --burst --json", "stepper worker -c 8 --log-file worker.log",
    ))(worker)  # fmt: skip


def enqueue(
    rev: Annotated[
        str, typer.Argument(metavar="REV", help="A commit or a range A..B.", autocompletion=revisions)
    ] = "HEAD",
    repo: RepoOpt = Path("."),
    priority: Annotated[int, typer.Option("--priority", metavar="N", help="Higher runs sooner.")] = 0,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the job id (or nothing).")] = False,
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the revisions from standard input, one a line (the git hooks do).")
    ] = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Queue the report of a commit and return at once: cached, stale (+ refresh), duplicate or queued."""
    params = dict(locals())  # exactly the declared parameters: nothing else is bound yet
    from .lean.enqueue import EnqueueArgs, run_enqueue

    return run_enqueue(EnqueueArgs(**params))  # the one implementation (the lean entry calls it too)


def status(
    job_id: Annotated[
        str | None,
        typer.Argument(metavar="JOB_ID", help="A job id; none: counts and recent jobs; '': the job of HEAD."),
    ] = None,
    repo: RepoOpt = Path("."),
    commit: Annotated[
        str | None,
        typer.Option("--commit", metavar="REV", help="The latest job of this revision.", autocompletion=revisions),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Block until the job is done or failed.")] = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", metavar="S", help="Give up waiting after S seconds (exit 6).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", metavar="N", help="How many recent jobs to list.")] = 10,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="text, markdown (a job's report as Markdown, the list as a table), json or jsonl.",
        ),
    ] = Format.text,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Show one job (exit 6 if it failed), or queue counts and the most recent jobs."""
    from .. import api
    from ..errors import UsageError
    from .render import job_list_markdown, job_list_text, job_text

    if limit < 0:
        raise UsageError(f"--limit must be 0 or more, not {limit}.", hint="")
    if timeout is not None and timeout < 0:
        raise UsageError(f"--timeout must be 0 or more seconds, not {timeout:g}.", hint="")
    fmt = Format.json if as_json else fmt
    if job_id is None and commit is None:
        jobs = api.list_jobs(repo=repo, limit=limit)
        if fmt is Format.jsonl:
            emit("\n".join(_dumps(j.to_json(with_result=False), None) for j in jobs.jobs))
        elif fmt is Format.json:
            emit(_dumps(jobs.to_json()))
        else:
            emit(job_list_markdown(jobs) if fmt is Format.markdown else job_list_text(jobs))
        return 0
    if job_id:
        job = _wait(job_id, timeout, repo) if wait else api.get_job(job_id, repo=repo)
    else:  # --commit REV, or an empty id (`stepper enqueue -q` prints none for a cached report): HEAD
        job = api.job_for_commit(commit or "HEAD", repo=repo)
        if wait and job.job_id and job.state in ("queued", "running"):
            job = _wait(job.job_id, timeout, repo)
    if fmt in (Format.json, Format.jsonl):
        emit(_dumps(job.to_json(), 2 if fmt is Format.json else None))
    else:
        emit(job_text(job, markdown=fmt is Format.markdown))
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
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-c", metavar="N", help="Jobs at once.", show_default="queue.concurrency"),
    ] = None,
    burst: Annotated[bool, typer.Option("--burst", help="Drain the queue, then exit.")] = False,
    log_file: Annotated[
        Path | None, typer.Option("--log-file", metavar="FILE", help="Append a line per job here.")
    ] = None,
    shutdown_timeout: Annotated[
        float,
        typer.Option("--shutdown-timeout", metavar="S", help="Seconds running jobs get to finish on SIGINT/SIGTERM."),
    ] = 30.0,
    repo: RepoOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's counts as JSON when it ends.")] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Run jobs from the queue until stopped (SIGINT/SIGTERM finish running jobs first), or drain it (--burst)."""
    from dataclasses import asdict

    from .. import api
    from ..errors import UsageError
    from ..jobs.worker import WorkerOptions

    if concurrency is not None and concurrency < 1:
        raise UsageError(f"--concurrency must be 1 or more, not {concurrency}.", hint="")
    if shutdown_timeout < 0:
        raise UsageError(f"--shutdown-timeout must be 0 or more seconds, not {shutdown_timeout:g}.", hint="")
    settings = api.state_config(repo).settings
    options = WorkerOptions(
        concurrency=concurrency or settings.queue.concurrency, burst=burst, shutdown_timeout=shutdown_timeout,
        lease_seconds=settings.queue.lease_seconds,
    )  # fmt: skip
    log = _JobLog(log_file, to_stderr=not quiet and (verbose or is_tty(sys.stderr)))
    mode = "draining the queue (--burst)" if burst else "until Ctrl-C or SIGTERM"
    started = None if quiet else lambda: warn(f"worker: started, {options.concurrency} at once, {mode}.")
    try:
        summary = api.run_worker(options, repo=repo, log=log, on_start=started)
    finally:
        log.close()
    if as_json:
        emit(_dumps(asdict(summary)))
    if not quiet:
        warn(f"worker: {summary.done} done, {summary.failed} failed, {summary.deferred} deferred, "
             f"{summary.requeued} handed back")  # fmt: skip
    return 0


class _JobLog:
    """One line per job on stderr (a terminal, or --verbose) and in --log-file."""

    def __init__(self, path: Path | None, to_stderr: bool) -> None:
        from ..config.paths import is_link_refusal, open_log
        from ..errors import StorageError, UsageError

        self.to_stderr = to_stderr
        try:  # owner-only, like everything stepper writes (job lines name commits and repositories); never via a link
            self.file = None if path is None else open_log(path)
        except StorageError as exc:
            if is_link_refusal(exc):
                raise
            reason = exc.message.rpartition(": ")[2] or exc.message
            raise UsageError(f"Cannot write --log-file {path}: {reason}", hint=exc.hint) from exc

    def __call__(self, line: str) -> None:
        from ..config.urls import mask_text
        from ..report.safe_text import clean

        stamped = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {clean(mask_text(line))}"
        if self.to_stderr:
            print(stamped, file=sys.stderr, flush=True)
        if self.file is not None:
            self.file.write(stamped + "\n")
            self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _dumps(data: object, indent: int | None = 2) -> str:
    from .render import dumps

    return dumps(data, indent)

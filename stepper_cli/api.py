"""The library API: generate reports, and (with the queue) enqueue them and read jobs.

    from stepper_cli import generate_report
    result = generate_report("HEAD", repo=".")
    print(result.report.title)

The CLI is a thin layer over these functions; they raise StepperError subclasses, never exit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .commits import Commit, Repo, open_repo, read_commit, resolve_revs
from .evidence import Evidence, build_evidence
from .report import Attempt, Report, ReportResult
from .settings import LoadedConfig, Settings, load_settings

if TYPE_CHECKING:
    import httpx

    from .cache import Hit, ReportCache
    from .dryrun import DryRun
    from .providers.base import Prompt
    from .store import Store

_CLIENT_LOCK = threading.Lock()


@dataclass(frozen=True)
class ReportOptions:
    """How one `report` run chooses its chain and uses the cache."""

    offline: bool = False
    providers: tuple[str, ...] = ()
    use_cache: bool = True
    refresh: bool = False
    fallback: bool = True
    # The worker sets this: a 429 that no other provider can cover raises RateLimited(retry_after), so the
    # queue retries the job later, instead of sleeping in the worker thread or falling back.
    defer_rate_limits: bool = False


@dataclass
class Context:
    """A repository and the configuration that applies to it, loaded once per command."""

    repo: Repo
    config: LoadedConfig
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.config.settings

    @property
    def store(self) -> Store:
        """The shared store (cache, ledger, breaker and limit state), opened on first use."""
        if "store" not in self.extras:
            from .store import open_store

            self.extras["store"] = open_store(self.settings.queue.url)
        store: Store = self.extras["store"]
        return store

    def http_client(self) -> httpx.Client:
        """One HTTP client for every report of this context (threads share it; TLS is set up once)."""
        with _CLIENT_LOCK:
            if "http_client" not in self.extras:
                import httpx

                self.extras["http_client"] = httpx.Client()
            client: httpx.Client = self.extras["http_client"]
            return client

    def close(self) -> None:
        """Close the store and the HTTP client if they were opened."""
        for name in ("http_client", "store"):
            thing = self.extras.pop(name, None)
            if thing is not None:
                thing.close()


def open_context(repo: str | Path = ".", overrides: dict[str, Any] | None = None) -> Context:
    """Find the repository and load its configuration."""
    found = open_repo(repo)
    return Context(repo=found, config=load_settings(found.root, overrides))


def generate_report(
    rev: str = "HEAD",
    *,
    repo: str | Path = ".",
    options: ReportOptions | None = None,
    context: Context | None = None,
) -> ReportResult:
    """Generate (or fetch from the cache) the report of one commit."""
    ctx = context or open_context(repo)
    sha = resolve_revs(ctx.repo, rev)
    if len(sha) != 1:
        from .errors import UsageError

        raise UsageError(f"'{rev}' names {len(sha)} commits; use generate_reports for a range.")
    return report_for_sha(ctx, sha[0], options or ReportOptions())


def generate_reports(
    spec: str = "HEAD",
    *,
    repo: str | Path = ".",
    options: ReportOptions | None = None,
    context: Context | None = None,
) -> list[ReportResult]:
    """Generate the reports of a revision or a range `A..B`, oldest first."""
    ctx = context or open_context(repo)
    return [report_for_sha(ctx, sha, options or ReportOptions()) for sha in resolve_revs(ctx.repo, spec)]


def report_for_sha(ctx: Context, sha: str, options: ReportOptions) -> ReportResult:
    """The generation path shared by `report` and the worker: a fresh cached report, else a new one."""
    from .metrics import count

    cache = report_cache(ctx) if options.use_cache else None
    if cache is not None and not options.refresh and not options.providers:  # --provider asks that chain
        hit = cache.lookup(sha)
        if (cached := _usable(hit, options)) is not None:
            count(ctx.store, "cache_hits_total", status="alias" if hit and hit.alias else "fresh")
            return cached
        if hit is None and (noted := _from_notes(ctx, sha)) is not None:
            count(ctx.store, "cache_hits_total", status="notes")
            cache.write(sha, noted.to_json(), noted.fallback)
            return noted
    if cache is not None:
        count(ctx.store, "cache_misses_total")
    result = _generate(ctx, sha, options)
    if cache is not None and not (options.offline or options.providers):  # only the configured chain's reports
        cache.write(sha, result.to_json(), result.fallback)
    return result


def _usable(hit: Hit | None, options: ReportOptions) -> ReportResult | None:
    """A fresh cached result that suits the options (not a fallback under --no-fallback), or None."""
    if hit is None or not hit.fresh or (hit.result.get("fallback") and not options.fallback):
        return None
    try:
        return ReportResult.model_validate({**hit.result, "cached": True})
    except ValidationError:
        return None  # written by an incompatible version: generate it again


def _from_notes(ctx: Context, sha: str) -> ReportResult | None:
    """A report kept in git notes (a clone that fetched refs/notes/stepper has it already)."""
    from .notes import read_note

    return read_note(ctx.repo, sha, ctx.settings.notes.ref)


def report_cache(ctx: Context) -> ReportCache:
    """The report cache of the context's repository under its prompt templates and cache policy."""
    from .cache import ReportCache
    from .snapshot import from_settings

    conf = from_settings(ctx.settings)
    return ReportCache(ctx.store, ctx.repo, conf.templates, conf.policy, patch_ids=ctx.extras.get("patch_ids"))


def _generate(ctx: Context, sha: str, options: ReportOptions) -> ReportResult:
    started = time.monotonic()
    commit = read_commit(ctx.repo, sha)
    evidence = build_evidence(commit, ctx.settings.evidence)
    report, provider, fallback, attempts = _run_chain(ctx, commit, evidence, options)
    return ReportResult(
        commit=commit.sha,
        repo=ctx.repo.name,
        report=report,
        provider=provider,
        fallback=fallback,
        attempts=attempts,
        redactions=evidence.redactions,
        coverage=evidence.coverage,
        timings={"total_ms": int((time.monotonic() - started) * 1000)},
    )


def _run_chain(
    ctx: Context, commit: Commit, evidence: Evidence, options: ReportOptions
) -> tuple[Report, str, bool, list[Attempt]]:
    """Ask the configured chain (breakers, limits, retries), falling back to the local analyzer."""
    from .analyzer import analyze
    from .prompt import render_prompt
    from .resilience import ChainRequest, build_chain

    def prompt_for(template: str) -> Prompt:
        return render_prompt(template, commit, evidence)

    request = ChainRequest(commit.sha, prompt_for, lambda: analyze(commit))
    with build_chain(ctx.settings, options, lambda: ctx.store, client=ctx.http_client) as chain:
        out = chain.run(request)
    return out.report, out.provider, out.fallback, out.attempts


def dry_run(ctx: Context, spec: str = "HEAD", options: ReportOptions | None = None) -> list[DryRun]:
    """Return what `report` would send for each commit of a revision or range; send nothing."""
    from .dryrun import plan

    options = options or ReportOptions()
    shas = resolve_revs(ctx.repo, spec)
    return [plan(ctx.settings, read_commit(ctx.repo, sha), ctx.repo.name, options) for sha in shas]


# The job-facing half of the library (enqueue, status, worker, cache) lives in jobs.py.
from . import jobs as _jobs  # noqa: E402  (jobs imports api lazily)

enqueue_report = _jobs.enqueue_report
get_job = _jobs.get_job
job_for_commit = _jobs.job_for_commit
list_jobs = _jobs.list_jobs
wait_for_job = _jobs.wait_for_job
run_worker = _jobs.run_worker
state_config = _jobs.state_config
cache_stats = _jobs.cache_stats
cache_entry = _jobs.cache_entry
clear_cache = _jobs.clear_cache

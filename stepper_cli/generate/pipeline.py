"""The report pipeline shared by `report` and the worker: cache first, else evidence → chain → cache.

config → read the commit → cache lookup (fresh hit: done; git notes next) → evidence (budget,
exclusions, redaction) → chain (providers, then the local analyzer) → validated report → cache write
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..git.commits import Commit, read_commit, resolve_revs
from ..report.model import Attempt, Report, ReportResult
from .context import Context, open_context
from .evidence import Evidence, build_evidence

if TYPE_CHECKING:
    from ..cache.reports import Hit, ReportCache
    from ..git.batch import CommitStream
    from ..providers.base import Prompt
    from ..store import Store
    from .dryrun import DryRun


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
    return list(reports_for_shas(ctx, resolve_revs(ctx.repo, spec), options or ReportOptions()))


def reports_for_shas(ctx: Context, shas: list[str], options: ReportOptions) -> Iterator[ReportResult]:
    """The reports of resolved commits, in order. A range costs a constant number of git processes: the cache
    is read first, and only the commits it lacks are read, in one stream, with their patch ids in another."""
    if len(shas) < 2:
        yield from (report_for_sha(ctx, sha, options) for sha in shas)
        return
    from ..git.batch import CommitStream
    from ..git.notes import read_notes

    cache = report_cache(ctx) if options.use_cache else None
    todo = shas if cache is None or options.refresh or options.providers else cache.missing(shas)
    ids = cache.stream_patch_ids(todo) if cache is not None and cache.enabled else None
    lookups = cache is not None and not options.refresh and not options.providers
    notes = read_notes(ctx.repo, todo, ctx.settings.notes.ref) if lookups else {}
    batch = RangeRun(CommitStream(ctx.repo, todo), cache, Counter(), notes)  # both git streams run while we work
    try:
        for sha in shas:
            yield report_for_sha(ctx, sha, options, batch)
    finally:
        batch.commits.close()
        if ids is not None:
            ids.close()
        batch.write_counts(ctx.store)  # one store write per series, not per commit


@dataclass(frozen=True)
class RangeRun:
    """What the reports of one range share: the commit stream, the cache, the reports found in git notes, and
    the counts not yet written (reports_for_shas makes it; report_for_sha of a single commit has none)."""

    commits: CommitStream
    cache: ReportCache | None
    tally: Counter[tuple[str, str]]
    notes: dict[str, ReportResult | None]  # the commits' reports in git notes, read for those the cache lacks

    def write_counts(self, store: Store) -> None:
        """Add the counts of the range to the store's counters, one write per series."""
        for (name, status), amount in self.tally.items():
            _count(store, name, status, float(amount))


def _count(store: Store, name: str, status: str, amount: float = 1.0) -> None:
    """Add to a counter, labelled with the status when there is one."""
    from ..store.counters import count

    count(store, name, amount, **({"status": status} if status else {}))


def report_for_sha(
    ctx: Context, sha: str, options: ReportOptions, batch: RangeRun | None = None,
    looked_up: Callable[[str], Hit | None] | None = None,
) -> ReportResult:  # fmt: skip
    """The generation path shared by `report` and the worker: a fresh cached report, else a new one.

    `looked_up` hands over a cache lookup the caller made already (the lean `report` entry), so that the
    cache is read once.
    """

    def counted(name: str, status: str = "") -> None:
        if batch is not None:
            batch.tally[name, status] += 1
        else:
            _count(ctx.store, name, status)

    cache = batch.cache if batch is not None else report_cache(ctx) if options.use_cache else None
    if cache is not None and not options.refresh and not options.providers:  # --provider asks that chain
        hit = (looked_up or cache.lookup)(sha)
        if (cached := _usable(hit, options)) is not None:
            counted("cache_hits_total", "alias" if hit and hit.alias else "fresh")
            return cached
        if hit is None and (noted := _from_notes(ctx, sha, batch)) is not None:
            counted("cache_hits_total", "notes")
            cache.write(sha, noted.to_json(), noted.fallback)
            return noted
    if cache is not None:
        counted("cache_misses_total")
    result = _generate(ctx, sha, options, batch.commits.get if batch else lambda sha: read_commit(ctx.repo, sha))
    if cache is not None and not (options.offline or options.providers):  # only the configured chain's reports
        cache.write(sha, result.to_json(), result.fallback)
    return result


def _usable(hit: Hit | None, options: ReportOptions) -> ReportResult | None:
    """A fresh cached result that suits the options (not a fallback under --no-fallback), or None."""
    if hit is None or not hit.fresh or (hit.result.get("fallback") and not options.fallback):
        return None
    try:
        return ReportResult.model_validate({**hit.result, "cached": True})
    except ValueError:  # pydantic's ValidationError: written by an incompatible version, generate it again
        return None


def _from_notes(ctx: Context, sha: str, batch: RangeRun | None) -> ReportResult | None:
    """A report kept in git notes (a clone that fetched refs/notes/stepper has it already)."""
    from ..git.notes import read_note

    if batch is not None and sha in batch.notes:
        return batch.notes[sha]
    return read_note(ctx.repo, sha, ctx.settings.notes.ref)


def report_cache(ctx: Context) -> ReportCache:
    """The report cache of the context's repository under its prompt templates and cache policy."""
    from ..cache.reports import ReportCache
    from .snapshot import from_settings

    conf = from_settings(ctx.settings)
    return ReportCache(ctx.store, ctx.repo, conf.templates, conf.policy, patch_ids=ctx.patch_ids)


def _generate(ctx: Context, sha: str, options: ReportOptions, read: Callable[[str], Commit]) -> ReportResult:
    started = time.monotonic()
    commit = read(sha)
    evidence = build_evidence(commit, ctx.settings.evidence)
    report, provider, fallback, attempts = _run_chain(ctx, commit, evidence, options)
    return ReportResult(
        commit=commit.sha,
        repo=ctx.repo.name,
        author=commit.author_name,
        date=commit.author_date,
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
    from ..git.contents import CommitContents
    from ..resilience import ChainRequest, build_chain
    from .prompt import render_prompt

    def prompt_for(template: str) -> Prompt:
        return render_prompt(template, commit, evidence)

    def local() -> Report:  # the analyzer is imported only when it is asked
        from .local.analyzer import analyze

        return analyze(commit, CommitContents(ctx.repo.root, commit.sha, ctx.blob_reader()), evidence)

    request = ChainRequest(commit.sha, prompt_for, local)
    with build_chain(ctx.settings, options, lambda: ctx.store, adapters=ctx.adapters) as chain:
        out = chain.run(request)
    return out.report, out.provider, out.fallback, out.attempts


def dry_run(ctx: Context, spec: str = "HEAD", options: ReportOptions | None = None) -> list[DryRun]:
    """Return what `report` would send for each commit of a revision or range; send nothing."""
    from .dryrun import plan

    options = options or ReportOptions()
    shas = resolve_revs(ctx.repo, spec)
    return [plan(ctx.settings, read_commit(ctx.repo, sha), ctx.repo.name, options) for sha in shas]

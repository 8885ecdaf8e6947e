"""Build the digest of a range: make sure every commit has a report (cache first, the rest generated in
parallel within the providers' shared limits), then one digest request (or the local digest), cached by the
range's content.

    resolve the range → digest cache (hit: done) → per-commit reports → local digest
      → provider chain over the reports (staged when large; fallback: the local digest) → cache → result
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..generate.context import Context
from ..generate.pipeline import ReportOptions, report_for_sha, reports_for_shas
from ..generate.snapshot import from_settings
from ..git.commits import git, resolve_revs
from ..git.web import commit_url_base
from ..providers.base import Prompt
from ..report.model import Report, ReportResult
from .kinds import kind_of
from .local import Entry, local_digest
from .model import DIGEST_SCHEMA_VERSION, Body, CommitRef, DigestResult
from .request import Answer, body_of, compact, instructions, staged

Progress = Callable[[int, int], None]
PREFIX = "digest:"


@dataclass(frozen=True)
class DigestOptions:
    """How one digest run uses the chain and the cache (the per-commit reports follow the same options)."""

    report: ReportOptions = field(default_factory=ReportOptions)
    refresh: bool = False  # write the digest again (the commit reports still come from the cache)
    workers: int = 4


def build_digest(ctx: Context, spec: str, options: DigestOptions, progress: Progress | None = None) -> DigestResult:
    """The digest of the commits of spec (A..B, oldest first)."""
    started = time.monotonic()
    shas = resolve_revs(ctx.repo, spec)
    key = digest_key(ctx, shas, options.report)
    ropts = options.report
    if ropts.use_cache and not options.refresh and (hit := _cached(ctx, key, spec)) is not None:
        return hit
    results = _reports(ctx, shas, options, progress)
    entries = _entries(ctx, results)
    local = local_digest(spec, entries)
    provider, fallback, body, answer, requests = "local", False, local, None, 0
    if not (ropts.offline or not _chain_names(ctx, ropts)):
        answer, requests = staged(spec, compact(entries), ctx.settings.evidence.max_diff_bytes, _asker(ctx, ropts),
                                  lambda: _report_of(local))  # fmt: skip
        provider, fallback = answer.provider, answer.fallback
        body = local if answer.fallback else body_of(answer.report, entries, local.authors)
    result = DigestResult(
        repo=ctx.repo.name, range=spec, commits=[ref for ref, _ in entries],
        reports_from_cache=sum(1 for r in results if r.cached), digest=body, provider=provider,
        fallback=fallback, requests=requests, attempts=answer.attempts if answer else [],
        timings={"total_ms": int((time.monotonic() - started) * 1000)},
    )  # fmt: skip
    if ropts.use_cache and not (ropts.providers or (ropts.offline and _chain_names(ctx, ropts))):
        _remember(ctx, key, result, stale=fallback or any(r.fallback for r in results))
    return result


def digest_key(ctx: Context, shas: list[str], options: ReportOptions) -> str:
    """The range's content: its ordered commits, the templates, the chain and the schema version."""
    conf = from_settings(ctx.settings)
    chain = "local" if options.offline else ",".join(_chain_names(ctx, options)) or "local"
    raw = "\0".join([ctx.repo.identity, *shas, conf.templates, instructions(), chain, str(DIGEST_SCHEMA_VERSION)])
    return PREFIX + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _chain_names(ctx: Context, options: ReportOptions) -> tuple[str, ...]:
    if options.providers:
        return options.providers
    return tuple(p.name for p in ctx.settings.providers if p.enabled)


def _cached(ctx: Context, key: str, spec: str) -> DigestResult | None:
    found = ctx.store.get(key)
    if not isinstance(found, dict):
        return None
    try:  # the store is untrusted: a record that does not validate is generated again
        return DigestResult.model_validate({**found, "cached": True, "range": spec})
    except ValidationError:
        return None


def _remember(ctx: Context, key: str, result: DigestResult, *, stale: bool) -> None:
    policy = from_settings(ctx.settings).policy
    ttl = policy.fallback_stale_seconds if stale else policy.ttl_seconds
    ctx.store.put(key, result.to_json(), ttl=max(float(ttl), 1.0))


def _reports(ctx: Context, shas: list[str], options: DigestOptions, progress: Progress | None) -> list[ReportResult]:
    """Every commit's report, in range order; the pool's size only bounds threads: the providers' shared
    rate limits and in-flight slots decide how many requests really run at once."""
    done = 0

    def one(sha: str) -> ReportResult:
        nonlocal done
        result = report_for_sha(ctx, sha, options.report)
        done += 1
        if progress is not None:
            progress(done, len(shas))
        return result

    workers = 1 if options.report.offline or len(shas) < 2 else max(1, options.workers)
    if workers == 1:  # in order: the range's commits and patch ids come from one git stream each
        results = []
        for result in reports_for_shas(ctx, shas, options.report):
            results.append(result)
            if progress is not None:
                progress(len(results), len(shas))
        return results
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="digest") as pool:
        return list(pool.map(one, shas))


def _entries(ctx: Context, results: list[ReportResult]) -> list[Entry]:
    meta = _metadata(ctx, [r.commit for r in results])
    base = commit_url_base(ctx.repo)
    entries: list[Entry] = []
    for r in results:
        report = r.report.model_dump(mode="json")
        author, date = meta.get(r.commit, ("", ""))
        ref = CommitRef(
            commit=r.commit, title=r.report.title, type=kind_of(report), author=author, date=date,
            provider=r.provider, fallback=r.fallback, cached=r.cached, url=base + r.commit if base else None,
        )  # fmt: skip
        entries.append((ref, report))
    return entries


def _metadata(ctx: Context, shas: list[str]) -> dict[str, tuple[str, str]]:
    """Author and date of every commit, from one git process."""
    if not shas:
        return {}
    out = git(["log", "--no-walk=unsorted", "--format=%H%x1f%an%x1f%aI", *shas], ctx.repo.root)
    rows = [line.split("\x1f") for line in out.decode("utf-8", "replace").splitlines()]
    return {row[0]: (row[1], row[2]) for row in rows if len(row) == 3}


def _asker(ctx: Context, options: ReportOptions) -> Callable[[str, Prompt, Callable[[], Report]], Answer]:
    from ..resilience import ChainRequest, build_chain

    def ask(subject: str, prompt: Prompt, fallback: Callable[[], Report]) -> Answer:
        request = ChainRequest(subject, lambda _template: prompt, fallback)
        with build_chain(ctx.settings, options, lambda: ctx.store, adapters=ctx.adapters) as chain:
            out = chain.run(request)
        return Answer(out.report, out.provider, out.fallback, out.attempts)

    return ask


def _report_of(body: Body) -> Report:
    """The local digest in the report's shape (what the chain returns when it falls back)."""
    changes = [item.text for section in body.sections for item in section.items][:50] or ["No notable changes."]
    return Report(
        title=(body.title + " " * 10)[:120].strip().ljust(10, "."),
        summary=(body.overview + " Written by the local analyzer from the per-commit reports.")[:2000],
        changes=[c[:500] for c in changes],
        rationale="\n".join(i.text for i in body.breaking)[:2000] or "No breaking changes.",
        impact_and_tests="\n".join(body.risks)[:2000].ljust(20, ".") if body.risks else "No particular risks noted.",
        next_steps=[s[:500] for s in body.follow_ups[:20]],
        tags=[],
    )


def digest_json(result: DigestResult) -> str:
    """The digest as pretty JSON."""
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False)

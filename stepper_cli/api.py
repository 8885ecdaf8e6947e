"""The library API: generate reports, and (with the queue) enqueue them and read jobs.

    from stepper_cli import generate_report
    result = generate_report("HEAD", repo=".")
    print(result.report.title)

The CLI is a thin layer over these functions; they raise StepperError subclasses, never exit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .commits import Commit, Repo, open_repo, read_commit, resolve_revs
from .evidence import Evidence, build_evidence
from .report import Attempt, Report, ReportResult
from .settings import LoadedConfig, Settings, load_settings

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class ReportOptions:
    """How one `report` run chooses its chain and uses the cache."""

    offline: bool = False
    providers: tuple[str, ...] = ()
    use_cache: bool = True
    refresh: bool = False
    fallback: bool = True


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

    def close(self) -> None:
        """Close the store if it was opened."""
        store = self.extras.pop("store", None)
        if store is not None:
            store.close()


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
    """The generation path shared by `report` and the worker."""
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
    from .analyzer import analyze

    return analyze(commit), "local", False, []

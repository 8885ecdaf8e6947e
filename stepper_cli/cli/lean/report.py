"""`stepper report [REV | A..B]`: the implementation (the Typer command in cli/report.py only delegates here).

Without Typer or pydantic: the whole configuration comes from the snapshot (generate/snapshot.py) while it
is valid (only a changed configuration, or --dry-run, loads and validates the files), each revision is resolved
once and each commit looked up once, and a fresh result that the lean check (report/lean.py) accepts is
printed as it is. The commits that need generating go to the engine, which is handed the lookups made here
rather than reading the cache again; the reports it makes are plain checked values (report/model.py).
Shapes: one revision prints one object, a range an array (even of one commit), `--format jsonl` one compact
object a line, each written as soon as it is ready.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .output import emit, is_tty, setup_logging, warn

if TYPE_CHECKING:
    from ...cache.reports import Hit
    from ...config.model import LoadedConfig
    from ...generate.context import Context
    from ...generate.snapshot import EnqueueSettings
    from ...git.commits import Repo
    from ...store import Store

Result = dict[str, Any]


class ReportArgs(NamedTuple):
    """The parameters of `stepper report`, named as the Typer command declares them (cli/report.py)."""

    rev: str = "HEAD"
    repo: str | Path = "."
    fmt: str = "text"
    as_json: bool = False
    output: Path | None = None
    no_cache: bool = False
    refresh: bool = False
    offline: bool = False
    provider: list[str] | None = None
    no_fallback: bool = False
    fail_on_fallback: bool = False
    dry_run: bool = False
    notes: bool = False
    quiet: bool = False
    verbose: bool = False
    debug: bool = False


class _Config:
    """The configuration as cheaply as it will do: the snapshot, and the full load only when it is not valid."""

    def __init__(self, repo: Repo, persist: bool, stateless: bool) -> None:
        from ...errors import StorageError
        from ...generate.snapshot import saved_settings

        self.repo, self.persist = repo, persist  # persist: use and keep the snapshot (a dry run touches nothing)
        self.lean: EnqueueSettings | None = None
        try:
            self.lean = saved_settings(repo.root) if persist else None
        except StorageError:
            if not stateless:  # a run that needs no state (--no-cache) does without the snapshot
                raise
        self.loaded: LoadedConfig | None = None  # built when asked: a cache hit needs only the lean values

    def settings(self) -> EnqueueSettings:
        if self.lean is None:
            self.full()
        assert self.lean is not None
        return self.lean

    def full(self) -> LoadedConfig:
        if self.loaded is None and self.lean is not None:
            self.loaded = self.lean.config()
        if self.loaded is None:
            from ...config.load import load_settings
            from ...generate.snapshot import from_settings, remember_quietly

            loaded = self.loaded = load_settings(self.repo.root)
            if self.lean is None and self.persist:
                self.lean = remember_quietly(self.repo.root, loaded)
            elif self.lean is None:
                self.lean = from_settings(loaded.settings, tuple(loaded.warnings))
        return self.loaded


def run_report(args: ReportArgs) -> int:
    """Report REV (or each commit of A..B, oldest first) and print it; the exit code."""
    from ...git.commits import open_repo, resolve_revs

    if args.offline and args.provider:
        from ...errors import UsageError

        raise UsageError("--offline uses only the local analyzer, so it cannot be combined with --provider.",
                         hint="Drop one of them.")  # fmt: skip
    args = args._replace(fmt="json" if args.as_json else str(args.fmt))
    setup_logging(args.verbose, args.debug)
    repo = open_repo(args.repo)
    config = _Config(repo, persist=not args.dry_run, stateless=args.no_cache)  # a dry run reads and writes none
    for line in config.settings().warnings:
        warn(line)
    if args.dry_run:
        return _dry_run(args, repo, config.full())
    shas = resolve_revs(repo, args.rev)
    results = list(_stream(args, _results(args, repo, config, shas)))
    _print(args, results)
    if not shas and not args.quiet:
        warn(f"No commits in {args.rev}.")
    if args.notes:
        _write_notes(repo, config.full(), results)
    if args.fail_on_fallback and any(r["fallback"] for r in results):
        from ...errors import NoReportError

        warn("stepper: the report came from the local analyzer, and --fail-on-fallback was given.")
        return NoReportError.exit_code
    return 0


def _results(args: ReportArgs, repo: Repo, config: _Config, shas: list[str]) -> Iterator[Result]:
    """Each commit's result in order: fresh from the cache where it can be, generated where it must be."""
    from ...store import open_store

    cache_first = bool(shas) and not (args.no_cache or args.refresh or args.provider)
    patch_ids: dict[str, str | None] = {}
    hits: dict[str, Hit | None] = {}
    store = open_store(config.settings().queue_url) if cache_first else None
    engine: Context | None = None
    try:
        ready = _cached(args, store, repo, config.settings(), shas, hits, patch_ids) if store is not None else {}
        missing = [sha for sha in shas if sha not in ready]
        if not missing:
            yield from (ready[sha] for sha in shas)
            return
        from ..waiting import watch_chain  # what the chain waits for, and why it fell back, on stderr

        engine = _engine(repo, config.full(), store, patch_ids)
        generated = _generate(args, engine, missing, hits)
        with watch_chain(args.quiet):
            for sha in _progress(shas, args, len(ready)):
                yield ready[sha] if sha in ready else next(generated)
    finally:
        if engine is not None:
            engine.close()
        if store is not None:
            store.close()


def _cached(
    args: ReportArgs, store: Store, repo: Repo, conf: EnqueueSettings, shas: list[str],
    hits: dict[str, Hit | None], patch_ids: dict[str, str | None],
) -> dict[str, Result]:  # fmt: skip
    """The fresh cached results the lean check accepts (hits counted). One commit is looked up in full (its
    lookup noted in hits, for the engine); a range reads the store only, and leaves the same-patch lookups,
    which need patch ids, to the engine's range path (one git stream for all of them)."""
    from ...cache.reports import Hit, ReportCache
    from ...report.lean import canonical
    from ...store.counters import count

    cache = ReportCache(store, repo, conf.templates, conf.policy, patch_ids=patch_ids)
    found, tally, now = {}, {"fresh": 0, "alias": 0}, cache.clock()
    for sha in shas:
        if len(shas) == 1:
            hit = hits[sha] = cache.lookup(sha)
        else:
            entry = cache.entry(sha) or {}
            state = conf.policy.age_state(entry, now)
            hit = Hit(entry["result"], fresh=state == "fresh") if state is not None else None
        if hit is None or not hit.fresh or (hit.result.get("fallback") and args.no_fallback):
            continue
        result = canonical({**hit.result, "cached": True})
        if result is not None:  # else the engine validates it with pydantic, or generates it again
            tally["alias" if hit.alias else "fresh"] += 1
            found[sha] = result
    for status, amount in tally.items():  # one store write per series, not per commit
        if amount:
            count(store, "cache_hits_total", float(amount), status=status)
    return found


def _engine(repo: Repo, loaded: LoadedConfig, store: Store | None, patch_ids: dict[str, str | None]) -> Context:
    """The engine's context, sharing the store and the patch ids this run has already."""
    from ...generate.context import Context

    ctx = Context(repo=repo, config=loaded, patch_ids=patch_ids)
    if store is not None:
        ctx.use_store(store)
    return ctx


def _generate(args: ReportArgs, ctx: Context, shas: list[str], hits: dict[str, Hit | None]) -> Iterator[Result]:
    """The engine's results, in order: one commit with the cache lookup made here; several from the
    engine's range path (its commits in one git stream)."""
    from ...generate.pipeline import report_for_sha, reports_for_shas

    if len(shas) == 1:
        yield report_for_sha(ctx, shas[0], _options(args), looked_up=hits.get if shas[0] in hits else None).to_json()
        return
    for result in reports_for_shas(ctx, shas, _options(args)):
        yield result.to_json()


def _options(args: ReportArgs) -> Any:
    from ...generate.pipeline import ReportOptions

    return ReportOptions(
        offline=args.offline, providers=tuple(args.provider or ()), use_cache=not args.no_cache,
        refresh=args.refresh, fallback=not args.no_fallback,
    )  # fmt: skip


def _stream(args: ReportArgs, results: Iterator[Result]) -> Iterator[Result]:
    """Pass the results on; say which were cache hits (--verbose); write jsonl to stdout as each comes."""
    from ..render import dumps

    for result in results:
        if args.verbose and result["cached"]:
            warn(f"stepper: {result['commit'][:12]}: a cache hit ({result['provider']}); --refresh regenerates it.")
        if args.fmt == "jsonl" and args.output is None:
            sys.stdout.write(dumps(result, indent=None) + "\n")
            sys.stdout.flush()
        yield result


def _print(args: ReportArgs, results: list[Result]) -> None:
    from ..render import render_reports

    as_list = ".." in args.rev
    if args.fmt == "jsonl" and args.output is None:
        return  # already streamed
    if args.fmt == "text" and args.output is None and is_tty():
        from ...report.markdown import markdown_of
        from ...report.safe_text import clean_data
        from ..render import overview_markdown, print_rich_markdown

        if as_list and results:
            print_rich_markdown(overview_markdown(results))
        for r in results:
            print_rich_markdown(markdown_of(clean_data(r)))
        return
    if results or args.fmt in ("json", "jsonl"):
        emit(render_reports(results, args.fmt, as_list), args.output)


def _dry_run(args: ReportArgs, repo: Repo, loaded: LoadedConfig) -> int:
    from ...generate.context import Context
    from ...generate.pipeline import dry_run
    from ..render import dumps

    with Context(repo=repo, config=loaded) as ctx:
        plans = dry_run(ctx, args.rev, _options(args))
    if args.fmt == "jsonl":
        emit("\n".join(dumps(p.to_json(), indent=None) for p in plans), args.output)
    elif args.fmt == "json":
        emit(dumps([p.to_json() for p in plans] if ".." in args.rev else plans[0].to_json()), args.output)
    else:
        emit("\n".join(p.to_text() for p in plans), args.output)
    return 0


def _write_notes(repo: Repo, loaded: LoadedConfig, results: list[Result]) -> None:
    from ...git.notes import write_note
    from ...report.model import ReportResult

    for r in results:
        write_note(repo, ReportResult.model_validate(r), loaded.settings.notes.ref)


def _progress(shas: list[str], args: ReportArgs, cached: int) -> Iterator[str]:
    """A progress bar on stderr while a range has reports to generate, on a terminal only."""
    if len(shas) - cached < 2 or args.quiet or not is_tty(sys.stderr):
        yield from shas
        return
    from rich.console import Console
    from rich.progress import track

    yield from track(shas, description="Reports", transient=True, console=Console(stderr=True))

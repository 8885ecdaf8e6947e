"""`stepper providers [list | check [NAME] | reset [NAME]]`: the chain, live checks, closing breakers.

`check` exits 0 when every provider checked answered (disabled ones are passed over), else 5.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import DebugOpt, JsonOpt, RepoOpt, emit, emit_json, warn
from .complete import provider_names
from .helptext import examples

if TYPE_CHECKING:
    from ..config.model import Settings
    from ..resilience.admin import CheckResult, ProviderInfo
    from ..store import Store

app = typer.Typer(
    help="The provider chain: list it, check it live, reset breakers.",
    invoke_without_command=True,
    epilog=examples("stepper providers", "stepper providers check primary", "stepper providers reset --json"),
)
NameArg = Annotated[
    str | None,
    typer.Argument(
        metavar="NAME", help="One provider (default: all).", autocompletion=provider_names, show_default=False
    ),
]


@app.callback()
def _default(ctx: typer.Context, repo: RepoOpt = Path("."), as_json: JsonOpt = False) -> None:
    """The provider chain: list it (the default), check it live, reset breakers."""
    if ctx.invoked_subcommand is None:
        list_(repo, as_json)


@app.command("list", epilog=examples("stepper providers list", "stepper providers list --json"))
def list_(repo: RepoOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """List the chain in order: kind, model, base URL, key present, breaker state, limits."""
    from ..resilience.admin import list_providers

    with _opened(repo) as (settings, store):
        rows = list_providers(settings, store)
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    emit("\n".join(_row(r) for r in rows))


@app.command("check", epilog=examples("stepper providers check", "stepper providers check primary --json"))
def check(name: NameArg = None, repo: RepoOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False) -> int:
    """Send one small real request to each provider; print latency and the error kind of failures."""
    from ..providers.registry import Adapters
    from ..resilience.admin import check_providers

    with _opened(repo) as (settings, store), Adapters.opened() as adapters:
        results = check_providers(settings, store, name, adapters=adapters)
    if as_json:
        emit_json([r.to_json() for r in results])
    else:
        emit("\n".join(_check_line(r) for r in results) or "No providers are configured; only local runs.")
    return 0 if all(r.ok or r.error == "disabled" for r in results) else 5


@app.command("reset", epilog=examples("stepper providers reset", "stepper providers reset primary"))
def reset(name: NameArg = None, repo: RepoOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Close the breakers, lift rate-limit holds and forget learned request shapes (all, or the one named)."""
    from ..resilience.admin import reset_providers

    with _opened(repo) as (settings, store):
        names = reset_providers(settings, store, name)
    if as_json:
        emit_json({"reset": names})
    else:
        done = f"Reset {', '.join(names)}: breaker closed, rate-limit hold lifted, learned request shape forgotten."
        emit(done if names else "No providers are configured.")


@contextmanager
def _opened(repo: Path) -> Iterator[tuple[Settings, Store]]:
    from ..resilience.admin import load_config
    from ..store import open_store

    config = load_config(repo)
    for line in config.warnings:
        warn(line)
    with open_store(config.settings.queue.url) as store:
        yield config.settings, store


def _row(r: ProviderInfo) -> str:
    if r.kind == "local":
        return "local      built-in analyzer, always last (no network)"
    key = _key_status(r)
    breaker = str(r.breaker) + (f", probe in {r.retry_in_seconds:g} s" if r.breaker == "open" else "")
    state = "" if r.enabled else "  [disabled]"
    lines = [
        f"{r.name:<10} {r.kind} {r.model or '(default model)'} at {r.base_url}{state}",
        f"{'':<10} {key}; breaker {breaker}; {r.rps:g} req/s, {r.concurrency} in flight",
    ]
    if r.hold_seconds is not None:
        lines.append(f"{'':<10} held: it asked to wait {r.hold_asked_seconds:g} s; {r.hold_seconds:g} s left")
    lines += [f"{'':<10} learned for {v.model}: {v.changes} ({v.because[:80]})" for v in r.learned]
    return "\n".join(lines)


def _key_status(r: ProviderInfo) -> str:
    """What a person needs to know about the key: set, missing, unset but optional, or none configured."""
    if r.key_present:
        return f"key set ({r.key_env})" if r.key_env else "key set"
    if r.key_env:
        return f"key MISSING ({r.key_env})" if r.needs_key else f"{r.key_env} is unset (this server may not need it)"
    return "key MISSING (no api_key_env configured)" if r.needs_key else "no key needed"


def _check_line(r: CheckResult) -> str:
    verdict = "ok" if r.ok else f"{r.outcome}: {r.error}"
    detail = f" ({r.detail})" if r.detail and not r.ok else ""
    return f"{r.name:<10} {verdict} in {r.latency_ms} ms{detail}"

"""Shell completion of revisions and provider names: small, lazy, and silent on any failure.

Each TAB runs `stepper` with Typer's completion variables set; these functions are called with what the
user typed so far. Revisions: local branches, tags, remote branches and the 20 most recent commits (one
`git for-each-ref` and one `git log`), with `A..` completing the right side of a range. Providers: the
names in the config files (read with tomllib; no settings, no provider code), then `local`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

RECENT = 20


def revisions(incomplete: str) -> list[str]:
    """Revisions that start with incomplete (after `A..`, the right side of a range)."""
    left, dots, right = incomplete.rpartition("...") if "..." in incomplete else incomplete.rpartition("..")
    prefix = left + dots
    names = _git("for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/tags", "refs/remotes")
    names += _git("log", f"-{RECENT}", "--format=%h", "HEAD")
    seen = dict.fromkeys(n for n in names if n and not n.endswith("/HEAD"))
    return [prefix + n for n in seen if n.startswith(right)]


def provider_names(incomplete: str) -> list[str]:
    """Provider names from the config files that start with incomplete, then `local`."""
    names: list[str] = []
    for path in _config_files():
        names += _names_in(path)
    return [n for n in dict.fromkeys([*names, "local"]) if n.startswith(incomplete)]


def _git(*args: str) -> list[str]:
    try:
        proc = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, check=False,
                              env=dict(os.environ, GIT_OPTIONAL_LOCKS="0"))  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return []
    return proc.stdout.splitlines() if proc.returncode == 0 else []


def _config_files() -> list[Path]:
    from ..config.paths import user_config_path

    chosen = os.environ.get("STEPPER_CONFIG")
    files = [Path(chosen) if chosen else user_config_path()]
    top = _git("rev-parse", "--show-toplevel")
    if top:
        files.append(Path(top[0]) / ".stepper.toml")
    return files


def _names_in(path: Path) -> list[str]:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return []
    entries = data.get("providers")
    if not isinstance(entries, list):
        return []
    return [e["name"] for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)]

"""Prompt templates (built-in or a file) and rendering the evidence into a Prompt."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import ConfigError
from ..git.commits import Commit
from ..providers.base import Prompt
from .evidence import Evidence

BUILTIN = ("comprehensive", "simple")


@lru_cache(maxsize=32)
def load_template(name: str) -> str:
    """Return the instructions of a built-in template or of a template file."""
    if name in BUILTIN:
        return resources.files("stepper_cli.prompts").joinpath(f"{name}.txt").read_text("utf-8")
    path = Path(name).expanduser()
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(
            f"prompt template {path} cannot be read ({exc.strerror or exc})",
            key="providers.prompt",
            hint="Use 'comprehensive', 'simple' or the path of a readable template file.",
        ) from exc


def template_hash(names: list[str] | tuple[str, ...]) -> str:
    """A short stable hash of the templates in use (part of the cache key)."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(load_template(name).encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def render_prompt(template: str, commit: Commit, evidence: Evidence) -> Prompt:
    """Build the system and user text for one commit."""
    cov = evidence.coverage
    note = ""
    if cov.truncated:
        note = (
            f"\n(Diff shown for {cov.files_in_prompt} of {cov.files} files, "
            f"{cov.diff_bytes_in_prompt} of {cov.diff_bytes} bytes; the rest was left out.)"
        )
    kind = "merge commit (diff against the first parent)" if commit.is_merge else "commit"
    user = (
        f"Commit {commit.sha} ({kind}) by {commit.author_name} on {commit.author_date}\n\n"
        f"## Message\n{evidence.message}\n\n"
        f"## Files ({cov.files})\n{evidence.files_table}\n\n"
        f"## Diff{note}\n{evidence.diff_text}"
    )
    return Prompt(system=load_template(template), user=user)

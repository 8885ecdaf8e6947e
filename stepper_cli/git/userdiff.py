"""Turn on git's own function-context drivers (`diff=python`, `golang`, `rust`, …) for stepper's reads.

The hunk header of a unified diff names the function or class a hunk is in, but git only uses the
language-aware patterns for paths that an attributes file maps to a driver. stepper ships such a file
and passes it as `core.attributesFile` to its own git calls: the repository is never touched, and its
own `.gitattributes` still takes precedence. A user who already has a global attributes file (set in
their git config, or at git's default `~/.config/git/attributes`) keeps it: stepper then adds nothing,
and hunk headers fall back to git's default heuristic.
"""

from __future__ import annotations

import os
from pathlib import Path

ATTRIBUTES = Path(__file__).with_name("userdiff.attributes")
#: the languages (as generate/filekinds.py names them) whose function context a driver in that file names
LANGUAGES = frozenset(
    {"python", "go", "rust", "java", "kotlin", "c", "cpp", "csharp", "ruby", "php", "elixir", "shell", "objc"}
)


def function_context_options() -> tuple[str, ...]:
    """The `-c` options that enable the drivers, or () when the user has attributes of their own."""
    if not ATTRIBUTES.is_file() or _user_has_attributes():
        return ()
    return ("-c", f"core.attributesFile={ATTRIBUTES}")


def _user_has_attributes() -> bool:
    home = Path(os.environ.get("HOME") or Path.home())
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    if (xdg / "git" / "attributes").exists():
        return True
    configs = [home / ".gitconfig", xdg / "git" / "config"]
    if os.environ.get("GIT_CONFIG_NOSYSTEM", "").lower() not in ("1", "true", "yes"):
        configs.append(Path(os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"))
    configs += [Path(p) for p in (os.environ.get("GIT_CONFIG_GLOBAL"),) if p]
    return any(_mentions_attributes_file(path) for path in configs)


def _mentions_attributes_file(path: Path) -> bool:
    try:
        return "attributesfile" in path.read_text("utf-8", "replace").lower()
    except OSError:
        return False

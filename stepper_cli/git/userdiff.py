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
from functools import lru_cache
from pathlib import Path

ATTRIBUTES = Path(__file__).with_name("userdiff.attributes")
#: the languages (as generate/filekinds.py names them) whose function context a driver in that file names
LANGUAGES = frozenset(
    {"python", "go", "rust", "java", "kotlin", "c", "cpp", "csharp", "ruby", "php", "elixir", "shell", "objc"}
)
#: the variables that say where git finds the user's config (passed to _user_has_attributes in this order)
_ENV = ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_GLOBAL")


def function_context_options() -> tuple[str, ...]:
    """The `-c` options that enable the drivers, or () when the user has attributes of their own.

    Read once per process for each value of the environment variables that say where git's config is."""
    return _options(tuple(os.environ.get(name) for name in _ENV))


@lru_cache(maxsize=8)
def _options(env: tuple[str | None, ...]) -> tuple[str, ...]:
    if not ATTRIBUTES.is_file() or _user_has_attributes(*env):
        return ()
    return ("-c", f"core.attributesFile={ATTRIBUTES}")


def _user_has_attributes(
    home: str | None, xdg: str | None, nosystem: str | None, system: str | None, global_: str | None
) -> bool:
    user = Path(home or Path.home())
    config = Path(xdg or user / ".config")
    if (config / "git" / "attributes").exists():
        return True
    configs = [user / ".gitconfig", config / "git" / "config"]
    if (nosystem or "").lower() not in ("1", "true", "yes"):
        configs.append(Path(system or "/etc/gitconfig"))
    configs += [Path(global_)] if global_ else []
    return any(_mentions_attributes_file(path) for path in configs)


def _mentions_attributes_file(path: Path) -> bool:
    try:
        return "attributesfile" in path.read_text("utf-8", "replace").lower()
    except OSError:
        return False

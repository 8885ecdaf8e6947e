"""Recognise a release commit: a version bump (with its changelog entry) and nothing else of substance.

A version is read from the changed lines of the files that carry one (`"version": "1.2.3"` in
package.json, `version = "1.2.3"` in pyproject.toml or Cargo.toml, `__version__ = "1.2.3"`, a VERSION
file, …). A commit is a release when a version changes and the rest is its changelog, docs, manifests
or lock files; or when its subject is a version ("v1.2.3", "release 1.2.3", "bump: version 1.2 → 1.3")
and no code changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ...git.commits import Commit, FileChange
from .committype import role
from .facts import is_changelog, wordset

_VERSION_FILES = wordset(
    "package.json pyproject.toml setup.py setup.cfg cargo.toml version version.txt version.py _version.py "
    "__version__.py __init__.py __about__.py gradle.properties pom.xml chart.yaml pubspec.yaml mix.exs "
    "composer.json build.gradle build.gradle.kts lerna.json manifest.json plugin.json"
)
_VERSION_LINE = re.compile(
    r"""^([-+])\s*(?:"version"\s*:\s*|version\s*[=:]\s*|__version__\s*[:=]\s*|VERSION\s*=\s*|<version>)"""
    r"""["']?v?(\d+(?:\.\d+)+(?:[-+.][\w.]+)?)["']?""",
    re.M | re.I,
)
_BARE_VERSION = re.compile(r"^([-+])v?(\d+(?:\.\d+)+(?:[-+.][\w.]+)?)\s*$", re.M)
_SUBJECT = re.compile(
    r"^(?:(?:chore|build|release)(?:\([^)]*\))?!?:\s*)?(?:release|releasing|prepare release|bump version(?: to)?|"
    r"bump: version|version|publish)?[\s:]*v?\d+\.\d+(?:\.\d+)?(?:[-+.][\w.]+)?(?:\s*(?:→|->|to)\s*v?\d[\w.+-]*)?"
    r"(?:\s*\(#\d+\))?(?:\s*\[skip ci\])?$",
    re.I,
)
_INCIDENTAL = frozenset({"docs", "dependency", "build", "config", "ci", "meta", "other"})


@dataclass(frozen=True, slots=True)
class Release:
    """The version a release commit moves to, where it is written, and its changelog files."""

    old: str | None
    new: str | None
    version_files: tuple[str, ...]
    changelogs: tuple[str, ...]


def detect_release(commit: Commit) -> Release | None:
    """The release this commit makes, or None when it is not a release commit."""
    if commit.is_merge or not commit.files:
        return None
    old, new, version_files = _versions(commit.files)
    subject_says = bool(_SUBJECT.match(commit.subject.strip()))
    bumped = bool(version_files) and old != new
    if not (bumped or subject_says):
        return None
    changelogs = tuple(f.path for f in commit.files if is_changelog(f.path))
    rest = [f for f in commit.files if f.path not in version_files and f.path not in changelogs]
    only_incidental = all(role(f.path) in _INCIDENTAL for f in rest)
    if (bumped and (changelogs or subject_says) and only_incidental) or (subject_says and only_incidental):
        return Release(old, new, version_files, changelogs)
    return None


def _versions(files: Sequence[FileChange]) -> tuple[str | None, str | None, tuple[str, ...]]:
    """The version before and after, and the files whose only changed lines are that version."""
    old: str | None = None
    new: str | None = None
    paths = []
    for f in files:
        name = f.path.rpartition("/")[2].lower()
        if name not in _VERSION_FILES or f.added > 20 or f.deleted > 20:
            continue
        pattern = _BARE_VERSION if name in ("version", "version.txt") else _VERSION_LINE
        found = pattern.findall(f.diff)
        removed = [v for sign, v in found if sign == "-"]
        added = [v for sign, v in found if sign == "+"]
        if added and added != removed:
            old, new = old or (removed[0] if removed else None), new or added[0]
            paths.append(f.path)
    return old, new, tuple(paths)

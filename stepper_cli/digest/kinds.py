"""What kind of change a per-commit report describes, whether it breaks anything, and dependency bumps.

Read from the report alone (its tags and title), so a digest groups cached reports without reading diffs.
"""

from __future__ import annotations

import re
from typing import Any

# kind -> section title, in the order sections appear (breaking changes come before all of them)
KINDS: dict[str, str] = {
    "feat": "Features",
    "fix": "Fixes",
    "perf": "Performance",
    "deps": "Dependencies",
    "refactor": "Refactors",
    "docs": "Documentation",
    "build": "Build",
    "ci": "CI",
    "test": "Tests",
    "style": "Style",
    "revert": "Reverts",
    "release": "Releases",
    "chore": "Chores",
    "other": "Other changes",
}
_ALIASES = {"feature": "feat", "bugfix": "fix", "dependencies": "deps", "tests": "test", "doc": "docs"}
_PREFIX = re.compile(r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^)]*)\))?(?P<bang>!)?:\s*(?P<rest>.+)$")
_BUMP = re.compile(r"\b[Bb]ump(?:s|ed)?\s+(?P<name>[\w@./-]+)\s+from\s+(?P<old>[\w.+-]+)\s+to\s+(?P<new>[\w.+-]+)")
_ARROW = re.compile(r"(?P<name>[\w@./-]+)\s+(?P<old>v?\d[\w.+-]*)\s*(?:→|->)\s*(?P<new>v?\d[\w.+-]*)")
_BREAKING = re.compile(r"\bBREAKING[ -]CHANGES?\b")


def kind_of(report: dict[str, Any]) -> str:
    """The report's kind: `deps` for a `(deps)` scope or a bump, else its first tag that names a kind, else
    its title's `type:` prefix, else `other`."""
    match = _PREFIX.match(str(report.get("title", "")))
    if match and (match["scope"] or "").lower() in ("deps", "deps-dev", "dependencies"):
        return "deps"
    for tag in report.get("tags") or []:
        kind = _normal(str(tag))
        if kind:
            return "deps" if kind in ("build", "chore") and dependency_bumps(report) else kind
    return (_normal(match["type"]) if match else None) or "other"


def _normal(word: str) -> str | None:
    word = _ALIASES.get(word.lower(), word.lower())
    return word if word in KINDS and word != "other" else None


def headline(report: dict[str, Any]) -> str:
    """The title without its `type(scope)!:` prefix (the digest's section says the kind)."""
    title = str(report.get("title", "")).strip()
    match = _PREFIX.match(title)
    return match["rest"].strip() if match and _normal(match["type"]) else title


def is_breaking(report: dict[str, Any]) -> bool:
    """A `type!:` title, a `breaking` tag, or BREAKING CHANGE said in the report."""
    match = _PREFIX.match(str(report.get("title", "")))
    if match and match["bang"]:
        return True
    if any(str(t).lower() in ("breaking", "breaking-change") for t in report.get("tags") or []):
        return True
    said = [report.get("summary", ""), report.get("rationale", ""), *(report.get("changes") or [])]
    text = " ".join(str(x) for x in said)
    return bool(_BREAKING.search(text))


def dependency_bumps(report: dict[str, Any]) -> list[str]:
    """`name old → new` for each dependency the report says was bumped (title and change lines)."""
    found: list[str] = []
    for line in [str(report.get("title", ""))] + [str(c) for c in report.get("changes") or []]:
        for pattern in (_BUMP, _ARROW):
            for match in pattern.finditer(line):
                bump = f"{match['name']} {match['old']} → {match['new']}"
                if bump not in found:
                    found.append(bump)
    return found

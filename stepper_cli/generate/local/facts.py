"""Sort a commit's files into what the local analyzer writes about: areas, components, counts, change lines.

Everything here is one pass over the files (a 5,000-file commit must stay fast) and deterministic:
no set is iterated, so the same commit always gives the same text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ...git.commits import FileChange
from ..filekinds import LOCK_FILES, classify

#: folders whose children are the real components (`src/api/…` is the `src/api` component)
_NESTED_ROOTS = ("src", "lib", "libs", "packages", "apps", "pkg", "cmd", "internal", "services", "crates")
_API_EXTS = (".proto", ".graphql", ".gql", ".d.ts")
#: CHANGELOG.md, HISTORY.rst, NEWS, release-notes.txt, CHANGES-1.x.md (lower-cased file names)
_CHANGELOG = re.compile(r"^(changelog|changes|history|news|release[-_]?notes)([-_.][\w.]*)?$")
_CHANGELOG_STARTS = ("changelog", "changes", "history", "news", "release")  # most names start with none
_MARKERS = ("TODO", "FIXME", "XXX", "HACK")
#: a marker in a comment: after `#`, `//`, `/*`, a leading `*`, `--` or `<!--` in an added line
_COMMENT_TODO = re.compile(rf"(?:#|//|/\*|^\s*\*|--|<!--)[^\n]*?\b({'|'.join(_MARKERS)})\b")
_SUBPROJECT = re.compile(r"^([+-])Subproject commit ([0-9a-f]{7,40})", re.M)
_VERBS = {
    "added": "Added", "modified": "Modified", "deleted": "Removed", "renamed": "Renamed",
    "copied": "Copied", "type_changed": "Changed the type of", "unmerged": "Left unmerged",
}  # fmt: skip


@dataclass
class Facts:
    """What a commit's files add up to, gathered once and shared by every part of the report."""

    files: tuple[FileChange, ...]
    added: int = 0
    deleted: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    components: Counter[str] = field(default_factory=Counter)
    #: area name (a filekinds category, or lock/api/security/changelog/binary/submodule/removed) -> paths
    areas: dict[str, list[str]] = field(default_factory=dict)
    #: path -> the first marker (TODO, FIXME, …) its added lines introduce
    todos: dict[str, str] = field(default_factory=dict)

    def paths(self, area: str) -> list[str]:
        return self.areas.get(area, [])


def gather(files: tuple[FileChange, ...]) -> Facts:
    """Classify every changed file once and total what the report needs (a 5,000-file commit: one pass)."""
    facts = Facts(files)
    statuses, languages, components, areas = facts.statuses, facts.languages, facts.components, facts.areas
    for f in files:
        path = f.path
        kind = classify(path)
        category, language = kind.category, kind.language
        facts.added += f.added
        facts.deleted += f.deleted
        statuses[f.status] += 1
        components[component(path)] += 1
        for area in _path_areas(path, category, kind.security):
            areas.setdefault(area, []).append(path)
        if f.binary or f.submodule or f.status == "deleted":
            for area, on in (("binary", f.binary), ("submodule", f.submodule), ("removed", f.status == "deleted")):
                if on:
                    areas.setdefault(area, []).append(path)
        if language:
            languages[language] += 1
            if category in ("source", "test") and (marker := _todo_added(f.diff)):
                facts.todos[path] = marker
    return facts


@lru_cache(maxsize=65536)
def _path_areas(path: str, category: str, security: bool) -> tuple[str, ...]:
    name = path.rpartition("/")[2].lower()
    areas = ["lock" if category == "dependency" and _is_lock(name) else category]
    if category not in ("test", "docs") and is_public_api(path):
        areas.append("api")
    if security and category not in ("test", "docs"):
        areas.append("security")
    if is_changelog(path):
        areas.append("changelog")
    return tuple(areas)


def is_changelog(path: str) -> bool:
    """Whether a path is a changelog: its file name is CHANGELOG, CHANGES, HISTORY, NEWS or RELEASE-NOTES."""
    name = path.rpartition("/")[2].lower()
    return name.startswith(_CHANGELOG_STARTS) and bool(_CHANGELOG.match(name))


def _is_lock(name: str) -> bool:
    return name in LOCK_FILES or name.endswith(".lock")


def _todo_added(diff: str) -> str | None:
    if not ("TODO" in diff or "FIXME" in diff or "XXX" in diff or "HACK" in diff):  # substring search is fast
        return None
    for line in diff_lines(diff)[0]:
        found = _COMMENT_TODO.search(line)
        if found:
            return found.group(1)
    return None


def diff_lines(diff: str) -> tuple[list[str], list[str]]:
    """The added and the removed lines of a file's diff, without their `+`/`-`, in order.

    Only the lines after a section's first hunk header are content (as git/patch.py counts them), so an
    added `++i;` or a removed `-- comment` is kept while the `---`/`+++` file header lines are not."""
    added: list[str] = []
    removed: list[str] = []
    crlf = "\r" in diff
    for section in diff.split("\ndiff --git "):  # a type change has two sections
        start = section.find("\n@@")
        if start < 0:
            continue
        for line in section[start + 1 :].split("\n"):
            sign = line[:1]
            if sign == "+" or sign == "-":
                text = line[1:].removesuffix("\r") if crlf else line[1:]
                (added if sign == "+" else removed).append(text)
    return added, removed


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of text, as a set (vocabularies written as one string)."""
    return frozenset(text.split())


@lru_cache(maxsize=65536)
def component(path: str) -> str:
    """Name the part of the project a path belongs to ('' for a file at the repository root)."""
    parts = path.split("/")
    if len(parts) == 1:
        return ""
    if parts[0].lower() in _NESTED_ROOTS and len(parts) > 2:
        return f"{parts[0]}/{parts[1]}"
    return parts[0]


def is_public_api(path: str) -> bool:
    """Whether a path is likely part of what other code imports or calls (API specs, package roots)."""
    lower = path.lower()
    name = lower.rpartition("/")[2]
    if name == "__init__.py" or lower.endswith(_API_EXTS) or name.startswith(("openapi", "swagger")):
        return True
    return any(p in ("api", "apis") for p in lower.split("/")[:-1])


def shorten(text: str, limit: int) -> str:
    """Fit text into limit characters, cutting at a word boundary and ending with '…'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-\n") + "…"


def listing(paths: list[str], limit: int = 3) -> str:
    """Name up to limit paths, then how many more there are."""
    shown = [shorten(p, 100) for p in paths[:limit]]
    rest = len(paths) - limit
    return join_and([*shown, f"{rest:,} more"] if rest > 0 else shown)


def capped(items: Sequence[str], limit: int, *, prose: bool = True) -> str:
    """Name up to limit items, then how many more: 'a, b and 3 more'; all of them 'a, b and c' (prose) or
    'a, b, c' (a list, as after a verb in a line of the changes)."""
    if len(items) > limit:
        return f"{', '.join(items[:limit])} and {len(items) - limit} more"
    return join_and(list(items)) if prose else ", ".join(items)


def join_and(items: list[str]) -> str:
    """Join items as prose: 'a', 'a and b', 'a, b and c'."""
    return " and ".join(filter(None, [", ".join(items[:-1]), items[-1]])) if items else ""


def place(where: str) -> str:
    return where or "the repository root"


def change_lines(files: tuple[FileChange, ...], limit: int = 50) -> list[str]:
    """One line per file, or per (status, component) group when there are more than limit files."""
    if not files:
        return ["No file changes: the commit records a message only."]
    if len(files) <= limit:
        return [shorten(file_line(f), 500) for f in files]
    groups: dict[tuple[str, str], list[FileChange]] = {}
    for f in files:
        groups.setdefault((f.status, component(f.path)), []).append(f)
    reserve = len({status for status, _ in groups})
    by_size = sorted(groups, key=lambda k: (-len(groups[k]), k))
    kept = set(by_size[: limit - reserve]) if len(groups) > limit else set(groups)
    lines = [_group_line(s, where, groups[(s, where)]) for s, where in groups if (s, where) in kept]
    rest: dict[str, list[tuple[str, list[FileChange]]]] = {}
    for key in groups:
        if key not in kept:
            rest.setdefault(key[0], []).append((key[1], groups[key]))
    lines += [_rest_line(status, parts) for status, parts in rest.items()]
    return [shorten(line, 500) for line in lines]


def file_line(f: FileChange) -> str:
    """Say what happened to one file, with its line counts."""
    if f.submodule:
        return _submodule_line(f)
    target = f"{f.old_path} → {f.path}" if f.old_path else f.path
    line = f"{_VERBS.get(f.status, 'Changed')} {target}"
    if f.binary:
        return f"{line} (binary)"
    if f.status == "type_changed":
        now = "a symlink" if "new file mode 120000" in f.diff else "a regular file"
        return f"{line} (now {now})"
    if f.status in ("renamed", "copied") and not (f.added or f.deleted):
        return line
    return f"{line} ({_counts(f.status, f.added, f.deleted)})"


def _submodule_line(f: FileChange) -> str:
    shas = {sign: sha[:12] for sign, sha in _SUBPROJECT.findall(f.diff)}
    if f.status == "added":
        return f"Added submodule {f.path}" + (f" at {shas['+']}" if "+" in shas else "")
    if f.status == "deleted":
        return f"Removed submodule {f.path}"
    if "-" in shas and "+" in shas:
        return f"Updated submodule pointer {f.path} ({shas['-']} → {shas['+']})"
    return f"Updated submodule pointer {f.path}"


def _counts(status: str, added: int, deleted: int) -> str:
    if status == "added":
        return f"+{added:,}"
    if status == "deleted":
        return f"-{deleted:,}"
    return f"+{added:,}/-{deleted:,}"


def _group_line(status: str, where: str, files: list[FileChange]) -> str:
    if len(files) == 1:
        return file_line(files[0])
    at = f"under {where}/" if where else "at the repository root"
    return f"{_VERBS.get(status, 'Changed')} {len(files):,} files {at}{_group_detail(status, files)}"


def _rest_line(status: str, parts: list[tuple[str, list[FileChange]]]) -> str:
    files = [f for _, group in parts for f in group]
    verb = _VERBS.get(status, "Changed")
    return f"{verb} {len(files):,} more files in {len(parts):,} other folders{_group_detail(status, files)}"


def _group_detail(status: str, files: list[FileChange]) -> str:
    added, deleted = sum(f.added for f in files), sum(f.deleted for f in files)
    binary = sum(f.binary for f in files)
    notes = [_counts(status, added, deleted)] if added or deleted else []
    if binary:
        notes.append(f"{binary:,} binary")
    if status in ("renamed", "copied") and files[0].old_path:
        notes.append(f"e.g. {files[0].old_path} → {files[0].path}")
    return f" ({'; '.join(notes)})" if notes else ""

"""What a commit did to the code, beyond its files: symbols, dependencies, a release, names left dangling.

The file contents at both revisions come from a `Contents` reader (one `git cat-file --batch` for every
blob needed, one `git grep` when public names were removed); without one, symbols are read from the
diff alone and dependency changes are not read. Work is bounded so a 5,000-file commit stays cheap: the
40 most-changed code files get symbols, 20 manifests are compared.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ...git.commits import Commit, FileChange
from ...git.userdiff import LANGUAGES
from ..filekinds import classify
from .committype import role
from .deps import DepChange, Entries, compare, entries, is_manifest, pinned_in_diff
from .pysymbols import python_symbols
from .release import Release, detect_release
from .symbols import SymbolChanges, diff_symbols

MAX_SYMBOL_FILES = 40
MAX_MANIFESTS = 20
MAX_PARSED_CHARS = 400_000  # a larger Python file is read from its diff instead of parsed
#: the most-changed Python files get their definitions read; the rest are read from the diff (a range of
#: commits rewriting ten modules each would otherwise spend most of its time reading them)
MAX_PARSED_FILES = 4
DRIVEN = LANGUAGES - {"python"}  # languages whose function context a git driver names (Python has its definitions)
#: the entries of the last manifests read, by (path, blob id): in a range of commits the new side of a lock
#: file is the next commit's old side, and reading a large lock file is most of a commit's cost
_RECENT: OrderedDict[tuple[str, str], Entries | None] = OrderedDict()
_RECENT_SIZE = 16
_RECENT_LOCK = threading.Lock()


class Contents(Protocol):
    """Reads what the commit's files contain (git/contents.py's CommitContents, or a test's fake)."""

    def blobs(self, oids: Sequence[str]) -> Mapping[str, bytes]: ...

    def files_naming(self, words: Sequence[str]) -> Mapping[str, list[str]]: ...

    def function_contexts(self, parent: str | None, paths: Sequence[str]) -> Mapping[str, list[str]]: ...


@dataclass(frozen=True)
class CodeFacts:
    """Symbols per file, dependency changes, the release (if it is one), and removed names still in use."""

    symbols: tuple[SymbolChanges, ...] = ()
    deps: tuple[DepChange, ...] = ()
    release: Release | None = None
    #: a public name this commit removed or renamed → the other files that still contain it
    still_named: dict[str, list[str]] = field(default_factory=dict)


def read_code(commit: Commit, contents: Contents | None) -> CodeFacts:
    """Gather the code-level facts of a commit (bounded work; deterministic)."""
    code = _code_files(commit.files)
    manifests = [f for f in commit.files if is_manifest(f.path)][:MAX_MANIFESTS]
    python = sorted((f for f in code if classify(f.path).language == "python"), key=lambda f: -(f.added + f.deleted))
    python = python[:MAX_PARSED_FILES]
    known = _recall(manifests) if contents else {}
    texts = _texts(contents, python, manifests, known) if contents else None
    driven = [f.path for f in code if classify(f.path).language in DRIVEN]
    parent = commit.parents[0] if commit.parents else None
    contexts = contents.function_contexts(parent, driven) if contents and driven else {}
    symbols = [s for f in code if (s := _symbols(f, texts, contexts.get(f.path)))]
    deps = [d for f in manifests for d in _deps(f, texts, known)] if texts is not None else []
    deps += [d for f in commit.files[: MAX_SYMBOL_FILES * 5] for d in pinned_in_diff(f.path, f.diff)]
    still = _still_named(symbols, contents) if contents else {}
    return CodeFacts(tuple(symbols), tuple(deps), detect_release(commit), still)


def _code_files(files: Sequence[FileChange]) -> list[FileChange]:
    code = [
        f for f in files
        if role(f.path) in ("source", "test") and not f.binary and not f.submodule and not classify(f.path).excluded
    ]  # fmt: skip
    code.sort(key=lambda f: -(f.added + f.deleted))
    chosen = set(id(f) for f in code[:MAX_SYMBOL_FILES])
    return [f for f in files if id(f) in chosen]  # in the commit's own order


def _recall(manifests: list[FileChange]) -> dict[tuple[str, str], Entries | None]:
    """The entries already read of these manifests' sides (not of setup.py: its text is wanted for its symbols)."""
    known = {}
    with _RECENT_LOCK:
        for side in ((f.path, oid) for f in manifests for oid in (f.old_oid, f.new_oid)):
            if side in _RECENT and classify(side[0]).language != "python":
                _RECENT.move_to_end(side)
                known[side] = _RECENT[side]
    return known


def _texts(
    contents: Contents, python: list[FileChange], manifests: list[FileChange], known: Mapping[tuple[str, str], object]
) -> dict[str, str]:
    """Python files at their new revision (pysymbols reads the old one from the diff), manifests at both
    (those whose entries are known left out)."""
    oids = [f.new_oid for f in python if f.new_oid]
    oids += [oid for f in manifests for oid in (f.old_oid, f.new_oid) if oid and (f.path, oid) not in known]
    return {oid: data.decode("utf-8", "replace") for oid, data in contents.blobs(oids).items()}


def _symbols(f: FileChange, texts: Mapping[str, str] | None, contexts: list[str] | None) -> SymbolChanges | None:
    language = classify(f.path).language
    # a Python file whose new text was read (or that is gone) is read with its definitions; any other from its diff
    if language == "python" and texts is not None and (f.new_oid in texts or not f.new_oid):
        new = texts.get(f.new_oid) if f.new_oid else None
        exact = python_symbols(f.path, new, f.diff) if len(new or "") <= MAX_PARSED_CHARS else None
        if exact is not None:
            return exact or None
    return diff_symbols(f, language, contexts)


def _deps(f: FileChange, texts: Mapping[str, str], known: Mapping[tuple[str, str], Entries | None]) -> list[DepChange]:
    try:
        return compare(f.path, _entries(f.path, f.old_oid, texts, known), _entries(f.path, f.new_oid, texts, known))
    except KeyError:
        return []


def _entries(
    path: str, oid: str, texts: Mapping[str, str], known: Mapping[tuple[str, str], Entries | None]
) -> Entries | None:
    """The entries of one side ("" oid: the file does not exist there); KeyError when it could not be read."""
    if not oid:
        return entries(path, None)
    if (path, oid) in known:
        return known[(path, oid)]
    found = entries(path, texts[oid])
    with _RECENT_LOCK:
        _RECENT[(path, oid)] = found
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return found


def _still_named(symbols: list[SymbolChanges], contents: Contents) -> dict[str, list[str]]:
    """Public top-level names that left a file (removed or renamed away) but that other files still contain."""
    moved = {name for s in symbols for name in s.added}  # defined somewhere else now
    gone: dict[str, str] = {}
    for s in symbols:
        if role(s.path) == "test":
            continue
        for name in [*s.removed, *(old for old, _ in s.renamed)]:
            if "." not in name and not name.startswith("_") and len(name) >= 4 and name not in moved:
                gone.setdefault(name, s.path)
    if not gone:
        return {}
    found = contents.files_naming(list(gone))
    return {name: others for name, paths in found.items() if (others := [p for p in paths if p != gone[name]])}

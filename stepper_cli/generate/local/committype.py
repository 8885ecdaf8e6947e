"""Name a commit's Conventional Commits type from what it changed and how its subject reads.

The rules, first match wins; each has a name that the report's tags carry (`inferred:<rule>`):

  revert            the body says "This reverts commit …" (git's own words), or `Revert "…"`
  release           a version bump with its changelog, or a subject that is a version → chore
  ci-only           only CI pipelines (and repository metadata) changed
  style             the subject speaks of formatting, or only whitespace changed in code
  docs-only         only documentation changed; tests-only: only tests (and their config)
  dependencies      only manifests and lock files (or a subject naming a dependency that changed):
                    "bump x from a to b" → build (Dependabot's convention), lock-file maintenance → chore; an
                    npm production dependency, or one a bot "updates to" a version → fix, an npm development
                    dependency → chore (Renovate's and Greenkeeper's convention); anything else → build
  renames           most files moved with little change → refactor (test when only tests moved)
  subject-docs      the subject is about docstrings, comments, documentation → docs
  tooling           only configuration, repository metadata and build files → chore
  mostly-docs / mostly-ci   no code changed: the kind most of the files are
  subject-verb      code changed: the subject's first word (fix/handle/prevent → fix, add/support → feat,
                    rename/move/extract/simplify → refactor, optimize → perf, format → style)
  subject-word      a telling word elsewhere in the subject (error, crash, missing, when, not → fix; …)
  body-feature      the body announces a new option, command, or what users can now do → feat
  small-addition    "add …" of under ten lines to existing code, no docs, no new file → fix
  documented-and-tested   code, tests and docs changed together → feat
  imports-only / logging-only   every changed line is an import / a logging call → refactor
  new-files / source-change     what the files did: feat / fix

A commit that fits none gets no type: better none than a wrong `chore`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ...git.commits import Commit, FileChange
from ..filekinds import classify
from .deps import DepChange
from .facts import diff_lines, wordset

_FIX_VERBS = wordset(
    "fix fixes fixed fixing correct corrects corrected prevent prevents avoid avoids handle handles resolve "
    "resolves repair restore restores ensure ensures guard catch stop don't do not never hide ignore skip suppress"
)
_FEAT_VERBS = wordset(
    "add adds added support supports implement implements introduce introduces allow allows enable enables "
    "create creates expose exposes provide provides extend extends expand new generate"
)
_REFACTOR_VERBS = wordset(
    "refactor refactors refactored rename renames renamed move moves moved extract extracts simplify simplifies "
    "simplified clean cleanup restructure reorganize reorganise consolidate split inline deduplicate dedupe "
    "unify harmonize decouple modernize modernise migrate relocate declutter tidy streamline improve prefer"
)
_PERF_VERBS = wordset("optimize optimise optimizes optimises speed cache memoize")
_STYLE_VERBS = wordset("format formats reformat reformats beautify prettify")
_FIX_WORDS = wordset(
    "bug bugs crash crashes crashed error errors exception exceptions fail fails failed failing failure wrong "
    "incorrect incorrectly invalid missing broken regression typo typos"
)
#: words that lean to a fix, but not against a verb such as "add" or "support"
_WEAK_FIX_WORDS = wordset("properly correctly when unless should shouldn't don't doesn't not instead issue workaround")
_FEAT_WORDS = wordset("option options flag flags command setting support configurable automatically new feature")
_REFACTOR_WORDS = wordset(
    "readability maintainability clarity unused obsolete unnecessary redundant dead duplication internals "
    "cleanup refactor refactoring"
)
_PERF_WORDS = wordset("performance faster speed speedup latency optimization optimisation perf")
_STYLE_WORDS = wordset("formatting formatter beautify prettier whitespace indentation styling")
_DOCS_WORDS = wordset("docstring docstrings jsdoc jsdocs javadoc documentation docs readme spelling comments")

_REVERTS = re.compile(r"^This reverts commit [0-9a-f]{7,64}", re.M)
_DEPENDABOT = re.compile(r"^(?:bump|update) (?:the )?\S.* from \S+ to \S+|^bump \S+ and \S+$|^bump the \S+ group", re.I)
_RENOVATE = re.compile(r"^(?:update|upgrade|pin)(?: dependency)? (\S+) to (?:v|version )?\S+", re.I)
_NAMED = re.compile(r"^(?:bump|update|upgrade|pin)(?: dependency)? `?([@\w./-]+)`?", re.I)
_LOGGING = re.compile(
    r"^\s*(?:(?:self\.|this\.)?(?:log|logger|logging|_log|_logger|LOGGER|LOG)\.\w+\(|console\.\w+\(|print\(|"
    r"debug\(|[\w.]*logger\.\w+\()"
)
_IMPORT = re.compile(
    r"^\s*(?:from\s+\S+\s+import\b|import\s|(?:const|let|var)\s+\S.*=\s*require\(|#include\b|use\s+\w)"
)
_LOCK_MAINTENANCE = re.compile(r"^lock ?file maintenance", re.I)
_FEAT_BODY = re.compile(
    r"\b(?:new (?:option|feature|command|flag|setting|parameter|argument)s?|adds? (?:a |an )?(?:new )?"
    r"(?:option|feature|support|command|flag|setting)|now supports?|can now|allows? (?:users|you)|"
    r"introduces? (?:a |an )?(?:new )?\w+)\b",
    re.I,
)
_TOOLING_DIRS = wordset("scripts tools tooling config configs docker deploy .vscode .idea .devcontainer")
_CODE_ROLES = frozenset({"source", "test"})


@dataclass(frozen=True, slots=True)
class Inferred:
    """A type, or None, and the rule that decided it."""

    type: str | None
    rule: str


@lru_cache(maxsize=65536)
def role(path: str) -> str:
    """What a path is for when naming a commit's type: its file kind, with a project's own tooling apart."""
    kind = classify(path).category
    parts = path.lower().split("/")
    name = parts[-1]
    if name in ("action.yml", "action.yaml"):
        return "source"  # a GitHub Action's interface is what the project ships
    if kind == "source" and len(parts) > 1 and parts[0] in _TOOLING_DIRS:
        return "build"  # the project's own scripts
    if kind == "config" and len(parts) > 2 and not name.startswith(".") and parts[0] not in _TOOLING_DIRS:
        return "source"  # configuration shipped inside a package
    return "dependency" if kind == "dependency" else kind


def infer_type(
    commit: Commit, deps: Sequence[DepChange] = (), *, release: bool = False, stated: str | None = None
) -> Inferred:
    """The commit's type and the rule that named it (type None when no rule is sure enough).

    `stated` is the type the subject names (`fix: …`): it is the type unless git's own words in the body
    say the commit is a revert."""
    subject = commit.subject
    if _REVERTS.search(commit.body):
        return Inferred("revert", "revert")
    if stated:
        return Inferred(stated, "subject")
    if subject.startswith('Revert "'):
        return Inferred("revert", "revert")
    words = re.findall(r"[a-z][a-z']*", subject.lower())
    first = words[0] if words else ""
    if commit.is_merge or not commit.files:
        return Inferred(None, "merge" if commit.is_merge else "empty")
    if release:
        return Inferred("chore", "release")
    present = _roles(commit.files, deps)
    by_files = _by_files(commit, present, words, first, deps)
    if by_files:
        return by_files
    if not present & _CODE_ROLES:  # no code: the kind of file most of the commit is
        return Inferred("style", "subject-verb") if first in _STYLE_VERBS else _mostly(commit.files)
    return _by_subject(commit, present, words, first)


def _roles(files: Sequence[FileChange], deps: Sequence[DepChange]) -> set[str]:
    with_deps = {d.file for d in deps}
    present = set()
    for f in files:
        kind = role(f.path)
        if kind == "dependency" and f.path not in with_deps and not classify(f.path).excluded:
            kind = "build"  # a manifest whose dependencies did not change: packaging metadata, scripts
        present.add(kind)
    return present


def _by_files(
    commit: Commit, present: set[str], words: list[str], first: str, deps: Sequence[DepChange]
) -> Inferred | None:
    if "ci" in present and present <= {"ci", "meta", "config"}:
        return Inferred("ci", "ci-only")
    if present <= _CODE_ROLES and (first in _STYLE_VERBS or _STYLE_WORDS.intersection(words)):
        return Inferred("style", "style")
    if present <= _CODE_ROLES and not _FIX_WORDS.intersection(words) and whitespace_only(commit.files):
        return Inferred("style", "whitespace-only")
    if present == {"docs"}:
        return Inferred("docs", "docs-only")
    if "test" in present and present <= {"test", "build", "config"}:
        return Inferred("test", "tests-only")
    if "dependency" in present and present <= {"dependency", "ci", "build", "config"}:
        return _dependency_type(commit.subject, deps)
    named = _NAMED.match(commit.subject)
    manifests = [d for d in deps if d.section not in ("action", "image")]
    if named and any(d.name.lower() == named.group(1).lower() for d in manifests):  # "update x to 2", x changed
        return _dependency_type(commit.subject, manifests)
    moved = _mostly_renames(commit.files)
    if moved:
        return Inferred("test" if moved == {"test"} else "refactor", "renames")
    if _DOCS_WORDS.intersection(words) and first not in _FIX_VERBS | _FEAT_VERBS and "test" not in present:
        return Inferred("docs", "subject-docs")
    if present <= {"config", "meta", "build", "dependency", "other", "ci"}:
        return Inferred("chore", "tooling")
    return None


def _by_subject(commit: Commit, present: set[str], words: list[str], first: str) -> Inferred:
    for verbs, kind in ((_FIX_VERBS, "fix"), (_REFACTOR_VERBS, "refactor"), (_PERF_VERBS, "perf")):
        if first in verbs:
            perf = kind == "refactor" and _PERF_WORDS.intersection(words)
            return Inferred("perf" if perf else kind, "subject-verb")
    if first in _STYLE_VERBS:
        return Inferred("style", "subject-verb")
    if _FIX_WORDS.intersection(words) or (first not in _FEAT_VERBS and _WEAK_FIX_WORDS.intersection(words)):
        return Inferred("fix", "subject-word")
    if _FEAT_BODY.search(commit.body):
        return Inferred("feat", "body-feature")
    if first in _FEAT_VERBS:
        small = "docs" not in present and not _FEAT_WORDS.intersection(words) and _small_addition(commit.files)
        return Inferred("fix", "small-addition") if small else Inferred("feat", "subject-verb")
    if {"docs", "test", "source"} <= present:
        return Inferred("feat", "documented-and-tested")
    for vocabulary, kind in ((_PERF_WORDS, "perf"), (_REFACTOR_WORDS, "refactor"), (_FEAT_WORDS, "feat")):
        if vocabulary.intersection(words):
            return Inferred(kind, "subject-word")
    if present <= _CODE_ROLES and only_lines_like(_IMPORT, commit.files):
        return Inferred("refactor", "imports-only")
    if present <= _CODE_ROLES and only_lines_like(_LOGGING, commit.files):
        return Inferred("refactor", "logging-only")
    if all(f.status == "added" for f in commit.files):
        return Inferred("feat", "new-files")
    return Inferred("fix", "source-change")


def _mostly_renames(files: Sequence[FileChange]) -> set[str]:
    """The roles of the moved files when most files were moved with little change (else an empty set)."""
    moved = [f for f in files if f.status == "renamed" and f.added + f.deleted <= 10]
    if len(moved) * 10 < len(files) * 7:
        return set()
    return {role(f.path) for f in moved}


def only_lines_like(pattern: re.Pattern[str], files: Sequence[FileChange], limit: int = 400) -> bool:
    """Whether every changed line (blank ones aside) is of one kind: imports, logging calls."""
    if not files or sum(f.added + f.deleted for f in files) > limit:
        return False
    for f in files:
        added, removed = diff_lines(f.diff)
        if any(line.strip() and not pattern.match(line) for line in (*added, *removed)):
            return False
    return True


def _mostly(files: Sequence[FileChange]) -> Inferred:
    """Docs, CI or tooling, whichever most of a code-free commit's files are."""
    kinds = Counter({"docs": 0, "ci": 0, "chore": 0})
    for f in files:
        kind = role(f.path)
        kinds[kind if kind in ("docs", "ci") else "chore"] += 1
    kind = kinds.most_common(1)[0][0]
    return Inferred(kind, f"mostly-{kind}" if kind != "chore" else "tooling")


def _small_addition(files: Sequence[FileChange]) -> bool:
    """A few lines added to existing code and no new file: usually a fix, whatever the verb."""
    if any(f.status == "added" for f in files):
        return False
    return sum(f.added for f in files if role(f.path) == "source") < 10


def _dependency_type(subject: str, deps: Sequence[DepChange]) -> Inferred:
    if _LOCK_MAINTENANCE.match(subject):
        return Inferred("chore", "lock-maintenance")
    if _DEPENDABOT.match(subject):
        return Inferred("build", "dependency-bump")
    npm = [d for d in deps if d.file.rpartition("/")[2] == "package.json"]
    renovate = bool(_RENOVATE.match(subject))
    if any(d.section == "prod" for d in npm) or (renovate and any(d.section == "prod" for d in deps)):
        return Inferred("fix", "runtime-dependency")
    if npm or renovate:  # npm's bots call a devDependency update a chore; Python's call it build
        return Inferred("chore", "dev-dependency")
    return Inferred("build", "dependencies")


def whitespace_only(files: Sequence[FileChange], limit: int = 4000) -> bool:
    """Whether every changed line of these (modified) files differs from a removed one only in whitespace."""
    if not files or any(f.status != "modified" or f.binary for f in files):
        return False
    if sum(f.added + f.deleted for f in files) > limit:
        return False
    for f in files:
        added, removed = (
            sorted(filter(None, ("".join(line.split()) for line in lines))) for lines in diff_lines(f.diff)
        )
        if removed != added:
            return False
    return True

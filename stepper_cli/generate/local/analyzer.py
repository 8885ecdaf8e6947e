"""The `local` analyzer: a deterministic report built from the commit alone, with no network."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...git.commits import Commit
from ...report.model import Report
from .facts import Facts, change_lines, gather, join_and, listing, place, shorten

_TYPES = ("feat", "fix", "docs", "test", "refactor", "perf", "build", "ci", "chore", "style", "revert")
_ALIASES = {"feature": "feat", "bugfix": "fix", "hotfix": "fix", "doc": "docs", "tests": "test"}
_CONVENTIONAL = re.compile(r"^(?P<type>[A-Za-z]+) ?(?:\((?P<scope>[^()]*)\))?(?P<bang>!)?\s*:\s*(?P<text>.*)$")
_REVERT = re.compile(r'^Revert "(?P<text>.+)"$')
_BREAKING = re.compile(r"^BREAKING[ -]CHANGE:", re.M)
_TRAILER = re.compile(r"^[A-Za-z][\w-]*: \S")
_SUBJECT_WORDS = {
    "fix": "fix fixes fixed fixing bug bugs bugfix crash crashes crashing hotfix regression broken repair",
    "feat": "add adds added new implement implements implemented introduce introduces support allow enable",
    "refactor": "refactor rename renames renamed move moves moved extract extracts restructure reorganize "
    "simplify cleanup remove removes delete drop",
    "perf": "perf performance optimize optimise optimized speed faster",
    "style": "style format formatting lint whitespace",
    "docs": "doc docs document documentation readme",
    "test": "test tests",
    "build": "bump upgrade deps dependency dependencies",
    "ci": "ci pipeline workflow",
    "revert": "revert reverts",
}
_WORD_TYPE = {word: kind for kind, words in _SUBJECT_WORDS.items() for word in words.split()}
_ONLY = (({"docs"}, "docs"), ({"test"}, "test"), ({"ci"}, "ci"), ({"dependency", "build"}, "build"))
_AREAS = (
    ("dependency", "Dependency manifests changed"), ("lock", "Lock files changed"),
    ("ci", "CI configuration changed"), ("migration", "Migrations or schemas changed"),
    ("api", "Public API surface touched (callers may be affected)"), ("config", "Configuration changed"),
    ("build", "Build files changed"), ("docs", "Documentation changed"),
    ("security", "Security-sensitive files changed"), ("binary", "Binary files changed"),
    ("submodule", "Submodule pointers changed"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Subject:
    """A subject line split the conventional-commit way; `type` is None when it names none."""

    type: str | None
    scope: str
    breaking: bool
    text: str


def analyze(commit: Commit) -> Report:
    """Build a report from the commit alone (deterministic, offline)."""
    facts = gather(commit.files)
    subject = parse_subject(commit.subject, commit.body)
    kind = subject.type or (None if _is_git_merge(commit) else infer_type(commit.subject, facts))
    return Report(
        title=_title(subject, kind, facts),
        summary=_summary(commit, facts),
        changes=change_lines(commit.files),
        rationale=_rationale(commit),
        impact_and_tests=_impact(commit, facts),
        next_steps=_next_steps(commit, subject, kind, facts),
        tags=_tags(commit, subject, kind, facts),
    )


def parse_subject(subject: str, body: str = "") -> Subject:
    """Split `type(scope)!: text` (or git's `Revert "…"`); unknown types are left as plain text."""
    breaking = bool(_BREAKING.search(body))
    revert = _REVERT.match(subject)
    if revert:
        return Subject("revert", "", breaking, revert.group("text"))
    found = _CONVENTIONAL.match(subject)
    kind = found and _ALIASES.get(found.group("type").lower(), found.group("type").lower())
    if not found or kind not in _TYPES:
        return Subject(None, "", breaking, subject.strip())
    scope = "".join((found.group("scope") or "").split())
    return Subject(kind, scope, breaking or bool(found.group("bang")), found.group("text").strip())


def infer_type(subject: str, facts: Facts) -> str:
    """Guess a conventional type: from what the files are, then the subject's words, then the diff."""
    present = set(facts.categories)
    for only, kind in _ONLY:
        if present and present <= only:
            return kind
    for word in re.findall(r"[a-z]+", subject.lower()):
        if word in _WORD_TYPE:
            return _WORD_TYPE[word]
    if facts.files and all(f.status == "renamed" and not (f.added or f.deleted) for f in facts.files):
        return "refactor"
    if "dependency" in present:
        return "build"
    if "source" in present and set(facts.statuses) == {"added"}:
        return "feat"
    return "chore"


def _is_git_merge(commit: Commit) -> bool:
    return commit.is_merge and commit.subject.startswith("Merge ")


def _title(subject: Subject, kind: str | None, facts: Facts) -> str:
    text = subject.text
    if len(re.sub(r"\W", "", text)) < 3:
        text = _describe(facts)
    prefix = ""
    if kind:
        prefix = f"{kind}({subject.scope})" if subject.scope else kind
        prefix += "!: " if subject.breaking else ": "
    title = " ".join(f"{prefix}{text}".split())
    if len(title) < 10:
        title = f"{title} ({_describe(facts)})"
    return shorten(title, 120)


def _describe(facts: Facts) -> str:
    """A short phrase for a title that has nothing better: 'update 3 files in src and tests'."""
    if not facts.files:
        return "record an empty commit with no file changes"
    statuses = set(facts.statuses)
    verbs = {"added": "add", "deleted": "remove", "renamed": "rename"}
    verb = verbs.get(statuses.pop(), "update") if len(statuses) == 1 else "update"
    if len(facts.files) == 1:
        return f"{verb} {shorten(facts.files[0].path, 80)}"
    return f"{verb} {len(facts.files):,} files in {_where(facts, 2)}"


def _summary(commit: Commit, facts: Facts) -> str:
    parts = [_lead(commit, facts)]
    if facts.files:
        parts.append(f"Changes are in {_where(facts, 5, counted=True)}.")
        parts.append(_amount(facts))
    if commit.subject:
        parts.append(f'The subject reads "{shorten(commit.subject, 300)}".')
    return _fit(" ".join(parts), 50, 2000, f"Commit {commit.short_sha} by {commit.author_name}.")


def _where(facts: Facts, top: int, *, counted: bool = False) -> str:
    """Name the most-touched components: 'src/api (3 files), tests (1 file) and 2 other areas'."""
    common = facts.components.most_common(top)
    names = [f"{place(c)} ({_count(n, 'file')})" if counted else place(c) for c, n in common]
    others = len(facts.components) - len(names)
    return join_and(names + ([_count(others, "other area")] if others else []))


def _lead(commit: Commit, facts: Facts) -> str:
    count = len(facts.files)
    files = _count(count, "file")
    if facts.files and not commit.is_root:
        counts = [f"{n:,} {status.replace('_', '-')}" for status, n in facts.statuses.items()]
        files += f" ({', '.join(counts)})"
    if commit.is_root:
        return f"Initial commit of the repository, adding {files}." if count else "Initial commit, no files."
    if commit.is_merge:
        first = commit.parents[0][:12]
        brings = files if count else "no files"
        parents = len(commit.parents)
        return f"Merge commit joining {parents} parents; against its first parent ({first}) it changes {brings}."
    if not count:
        return "An empty commit: it has no file changes, only a message."
    return f"This commit changes {files}."


def _amount(facts: Facts) -> str:
    text = f"In total +{facts.added:,}/-{facts.deleted:,} lines"
    binary, submodules = len(facts.paths("binary")), len(facts.paths("submodule"))
    if binary:
        text += f", {_count(binary, 'binary file')}"
    if submodules:
        text += f", {_count(submodules, 'submodule pointer')}"
    return text + "."


def _rationale(commit: Commit) -> str:
    paragraphs = _body_paragraphs(commit.body)
    text = ""
    for paragraph in paragraphs:
        longer = f"{text}\n\n{paragraph}" if text else paragraph
        if len(longer) > 2000:
            break
        text = longer
    if paragraphs and not text:
        text = shorten(paragraphs[0], 2000)
    if not text:
        if not commit.subject:
            return "The commit message gives no rationale; it has no subject either."
        said = shorten(commit.subject, 300)
        return f'The commit message gives no rationale; the subject only says "{said}".'
    return text if len(text) >= 20 else f"The message body says: {text}"


def _body_paragraphs(body: str) -> list[str]:
    """The body's paragraphs, without a closing block of trailers (Signed-off-by:, Co-authored-by:, …)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    if paragraphs and all(_TRAILER.match(line) for line in paragraphs[-1].splitlines()):
        paragraphs.pop()
    return paragraphs


def _impact(commit: Commit, facts: Facts) -> str:
    if not facts.files:
        return "No files changed, so there is nothing to build, test or deploy; only the history records it."
    sentences = [_tests_sentence(facts)]
    sentences += [f"{label}: {listing(facts.paths(area))}." for area, label in _AREAS if facts.paths(area)]
    removed = facts.paths("removed")
    if removed or facts.deleted > 200:
        gone = f"{_count(len(removed), 'file')} removed ({listing(removed)})" if removed else ""
        lines = f"{facts.deleted:,} lines deleted" if facts.deleted > 200 else ""
        label = "Large deletion" if facts.deleted > 200 else "Deletions"
        sentences.append(f"{label}: {' and '.join(p for p in (gone, lines) if p)}.")
    if commit.is_merge:
        sentences.append("As a merge, these changes come from the merged branch, against the first parent.")
    return _fit(" ".join(sentences), 20, 2000, "")


def _tests_sentence(facts: Facts) -> str:
    tests, sources = facts.paths("test"), facts.paths("source")
    if tests:
        return f"Tests changed: {listing(tests)}."
    if sources:
        return f"No tests changed although {_count(len(sources), 'source file')} did."
    return "No tests changed, and no source code changed either."


def _next_steps(commit: Commit, subject: Subject, kind: str | None, facts: Facts) -> list[str]:
    sources, tests = facts.paths("source"), facts.paths("test")
    steps = []
    if sources and not tests:
        steps.append(f"Add or update tests for {listing(sources)}.")
    if sources and kind in ("feat", "fix") and not facts.paths("changelog"):
        steps.append(f"Mention this {kind} in the CHANGELOG if the project keeps one.")
    if subject.breaking:
        steps.append("Document the breaking change and how users should migrate.")
    if facts.paths("migration"):
        steps.append(f"Review the migration {listing(facts.paths('migration'))} before deploying.")
    steps += _dependency_steps(facts)
    if facts.paths("security"):
        steps.append(f"Ask for a security review of {listing(facts.paths('security'))}.")
    if facts.paths("ci"):
        steps.append("Watch the next CI run: the pipeline configuration changed.")
    if facts.paths("removed"):
        steps.append(f"Check nothing still refers to the removed {listing(facts.paths('removed'))}.")
    if re.search(r"\bWIP\b", commit.subject, re.I):
        steps.append("Finish the work in progress before merging: the subject marks it WIP.")
    if facts.todos:
        markers = join_and(list(dict.fromkeys(facts.todos.values())))
        steps.append(f"Resolve the {markers} added in {listing(list(facts.todos))}.")
    return [shorten(step, 500) for step in steps[:20]]


def _dependency_steps(facts: Facts) -> list[str]:
    manifests, locks = facts.paths("dependency"), facts.paths("lock")
    if manifests and not locks:
        return [f"Check the lock file matches {listing(manifests)} and run the full test suite."]
    if manifests or locks:
        return [f"Run the full test suite against the updated dependencies ({listing(manifests + locks)})."]
    return []


def _tags(commit: Commit, subject: Subject, kind: str | None, facts: Facts) -> list[str]:
    flags = {
        "breaking": subject.breaking,
        "merge": commit.is_merge,
        "initial": commit.is_root,
        "dependencies": bool(facts.paths("dependency") or facts.paths("lock")),
    }
    tags = [kind or "", subject.scope, *(flag for flag, on in flags.items() if on)]
    tags += [area for area in ("migration", "security", "api") if facts.paths(area)]
    tags += [language for language, _ in facts.languages.most_common(5)]
    tags += [c.rsplit("/", 1)[-1] for c, _ in facts.components.most_common(8) if c]
    cleaned = ["-".join(t.lower().split())[:40].strip("-") for t in tags]
    return list(dict.fromkeys(t for t in cleaned if t))[:20]


def _fit(text: str, low: int, high: int, padding: str) -> str:
    text = text if len(text) >= low else f"{text} {padding}".strip()
    return shorten(text, high)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"

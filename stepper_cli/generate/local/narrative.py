"""The prose of a local report: summary, impact and tests, next steps; each sentence from a fact of this commit.

Nothing here repeats the subject (the title carries it) or gives advice that the commit itself does not
call for: a next step needs evidence (a TODO added in a code comment, code changed with no test, a name
removed that other files still use, a credential in the diff, a migration, a breaking change left
undocumented).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...git.commits import Commit
from .codefacts import CodeFacts
from .committype import role
from .deps import DepChange
from .facts import Facts, capped, join_and, listing, place, shorten
from .symbols import SymbolChanges

_AREAS = (
    ("dependency", "Dependency manifests changed"), ("lock", "Lock files changed"),
    ("ci", "CI configuration changed"), ("migration", "Migrations or schemas changed"),
    ("api", "Public API surface touched (callers may be affected)"), ("config", "Configuration changed"),
    ("build", "Build files changed"), ("docs", "Documentation changed"),
    ("security", "Security-sensitive files changed"), ("binary", "Binary files changed"),
    ("submodule", "Submodule pointers changed"),
)  # fmt: skip
_TESTED_TYPES = (None, "feat", "fix", "perf")


@dataclass(frozen=True)
class Story:
    """Everything the prose draws on: the files, the code facts, the type and what the message says."""

    commit: Commit
    facts: Facts
    code: CodeFacts
    kind: str | None
    breaking: bool
    credentials: tuple[str, ...]  # where a credential-like value was withheld ("" for the message)


def summary(story: Story) -> str:
    """What the commit does, in its files and in its code."""
    facts, code = story.facts, story.code
    parts = [_release_lead(story) if code.release else _lead(story.commit, facts)]
    parts += _code_sentences(code.symbols)
    if code.deps and not code.release:
        parts.append(f"Dependencies: {_dep_digest(code.deps)}.")
    if facts.files:
        parts.append(f"Changes are in {where(facts, 5, counted=True)}.")
        parts.append(_amount(facts))
    return fit(" ".join(parts), 50, 2000, f"Commit {story.commit.short_sha} by {story.commit.author_name}.")


def impact(story: Story) -> str:
    """What the change touches, and how it was tested, from the files and the code facts."""
    commit, facts, code = story.commit, story.facts, story.code
    if not facts.files:
        return "No files changed, so there is nothing to build, test or deploy; only the history records it."
    sentences = [_tests_sentence(facts)]
    sentences += [f"{label}: {listing(facts.paths(area))}." for area, label in _AREAS if facts.paths(area)]
    if len(sentences) > 1 and not (facts.paths("test") or facts.paths("source")):
        sentences.pop(0)  # "no tests and no code changed" says nothing the other sentences do not
    sentences += [_still_named_sentence(name, paths, code.symbols) for name, paths in code.still_named.items()]
    sentences += [_credential_sentence(where) for where in story.credentials]
    removed = facts.paths("removed")
    if removed or facts.deleted > 200:
        gone = f"{count(len(removed), 'file')} removed ({listing(removed)})" if removed else ""
        lines = f"{facts.deleted:,} lines deleted" if facts.deleted > 200 else ""
        label = "Large deletion" if facts.deleted > 200 else "Deletions"
        sentences.append(f"{label}: {' and '.join(p for p in (gone, lines) if p)}.")
    if story.breaking:
        sentences.append("The message marks this as a breaking change.")
    if commit.is_merge:
        sentences.append("As a merge, these changes come from the merged branch, against the first parent.")
    return fit(" ".join(sentences), 20, 2000, "")


def next_steps(story: Story) -> list[str]:
    """Follow-ups this commit calls for, each one backed by something in it; often none."""
    facts, code = story.facts, story.code
    steps = [_credential_step(where) for where in story.credentials if role(where) not in ("test", "docs")]
    code_files = [p for p in facts.paths("source") if role(p) == "source"]
    if code_files and not facts.paths("test") and story.kind in _TESTED_TYPES and not code.release:
        steps.append(f"Add or update tests for {listing(code_files)}: code changed and no test did.")
    for name, paths in code.still_named.items():
        steps.append(f"Update {listing(paths)}: {'they name' if len(paths) > 1 else 'it names'} `{name}`, "
                     "which this commit removed.")  # fmt: skip
    if story.breaking and not (facts.paths("docs") or facts.paths("changelog")):
        steps.append("Document the breaking change and how users should migrate: no docs changed with it.")
    if facts.paths("migration"):
        steps.append(f"Review the migration {listing(facts.paths('migration'))} before deploying.")
    versions = [d for d in code.deps if d.section in ("prod", "optional", "peer", "image") and d.old and d.new]
    if versions and not code.release:
        names = capped([f"{d.name} {d.new}" for d in versions], 3)
        steps.append(f"Run the full test suite against {names}.")
    if facts.paths("security"):
        steps.append(f"Ask for a security review of {listing(facts.paths('security'))}.")
    if facts.paths("ci"):
        steps.append("Watch the next CI run: the pipeline configuration changed.")
    if facts.todos:
        markers = join_and(list(dict.fromkeys(facts.todos.values())))
        steps.append(f"Resolve the {markers} added in {listing(list(facts.todos))}.")
    if "wip" in story.commit.subject.lower().split():
        steps.append("Finish the work in progress before merging: the subject marks it WIP.")
    return [shorten(step, 500) for step in steps[:20]]


def _lead(commit: Commit, facts: Facts) -> str:
    files = count(len(facts.files), "file")
    if facts.files and not commit.is_root:
        counts = [f"{n:,} {status.replace('_', '-')}" for status, n in facts.statuses.items()]
        files += f" ({', '.join(counts)})"
    if commit.is_root:
        return f"Initial commit of the repository, adding {files}." if facts.files else "Initial commit, no files."
    if commit.is_merge:
        brings = files if facts.files else "no files"
        return (
            f"Merge commit joining {len(commit.parents)} parents; against its first parent "
            f"({commit.parents[0][:12]}) it changes {brings}."
        )
    if not facts.files:
        return "An empty commit: it has no file changes, only a message."
    return f"This commit changes {files}."


def _release_lead(story: Story) -> str:
    release = story.code.release
    assert release is not None
    name = f"Release {release.new}" if release.new else "A release commit"
    parts = [name]
    if release.old and release.new:
        parts.append(
            f": the version goes from {release.old} to {release.new} in {listing(list(release.version_files))}"
        )
    if release.changelogs:
        parts.append(f"{';' if len(parts) > 1 else ':'} {listing(list(release.changelogs))} records what it contains")
    return "".join(parts) + "."


def _code_sentences(symbols: tuple[SymbolChanges, ...]) -> list[str]:
    """What the code gained, lost and changed, by name; what the tests did, by count."""
    code = [s for s in symbols if role(s.path) != "test"]
    tests = [s for s in symbols if role(s.path) == "test"]
    sentences = []
    digest = _names(code)
    imports = [s.path for s in code if "imports" in s.module]
    if not digest and imports:
        digest = f"changes the imports of {listing(imports, 2)}"
    if digest:
        sentences.append(f"In the code it {digest}.")
    counts = {
        "adds": sum(len(s.added) for s in tests), "removes": sum(len(s.removed) for s in tests),
        "renames": sum(len(s.renamed) for s in tests), "changes": sum(len(s.changed) for s in tests),
    }  # fmt: skip
    done = [f"{verb} {n:,}" for verb, n in counts.items() if n]
    if done:
        sentences.append(
            f"In the tests it {join_and(done)} {'definition' if sum(counts.values()) == 1 else 'definitions'}."
        )
    return sentences


def _names(symbols: list[SymbolChanges], limit: int = 6) -> str:
    verbs: dict[str, list[str]] = {"adds": [], "removes": [], "renames": [], "changes": []}
    for s in symbols:
        verbs["adds"] += [f"`{n}`" for n in s.added]
        verbs["removes"] += [f"`{n}`" for n in s.removed]
        verbs["renames"] += [f"`{a}` to `{b}`" for a, b in s.renamed]
        verbs["changes"] += [f"`{n}`" for n in s.changed]
    phrases = []
    for verb, names in verbs.items():
        if names:
            phrases.append(f"{verb} {capped(names, limit)}")
    return join_and(phrases)


def symbol_phrase(s: SymbolChanges, limit: int = 6) -> str:
    """`added page, Pager; changed run` for one file's line in the changes list."""
    parts = []
    for verb, names in (("added", s.added), ("removed", s.removed), ("changed", s.changed)):
        if names:
            parts.append(f"{verb} {capped(names, limit, prose=False)}")
    if s.renamed:
        parts.append("renamed " + ", ".join(f"{a} → {b}" for a, b in s.renamed[:limit]))
    if s.module:
        parts.append(f"changed its {' and '.join(s.module)}")
    return "; ".join(parts)


def _dep_digest(deps: tuple[DepChange, ...], limit: int = 6) -> str:
    unique = {(d.name, d.old, d.new, d.section == "lock"): d for d in deps}  # one line per change, not per file
    deps = tuple(unique.values())
    direct = [d for d in deps if d.section != "lock"]
    shown = direct or deps
    text = capped([d.describe() for d in shown], limit)
    locked = len([d for d in deps if d.section == "lock"])
    if direct and locked:
        text += f" (and {count(locked, 'locked package')} updated)"
    elif not direct:
        text = f"{count(locked, 'locked package')} changed: {text}"
    return text


def _tests_sentence(facts: Facts) -> str:
    tests, sources = facts.paths("test"), facts.paths("source")
    if tests:
        return f"Tests changed: {listing(tests)}."
    if sources:
        return f"No tests changed although {count(len(sources), 'source file')} did."
    return "No tests changed, and no source code changed either."


def _still_named_sentence(name: str, paths: list[str], symbols: tuple[SymbolChanges, ...]) -> str:
    origin = next((s.path for s in symbols if name in s.removed or any(a == name for a, _ in s.renamed)), "")
    return (
        f"`{name}` left {origin or 'its file'}, but {listing(paths)} still {'name' if len(paths) > 1 else 'names'} it."
    )


def _credential_sentence(where: str) -> str:
    target = f"to {where}" if where else "to the commit message"
    return f"A credential-like value was added {target}; it was withheld from this report."


def _credential_step(where: str) -> str:
    target = where or "the commit message"
    return f"Remove the credential-like value from {target} and rotate it: it is in the history now."


def where(facts: Facts, top: int, *, counted: bool = False) -> str:
    """Name the most-touched components: 'src/api (3 files), tests (1 file) and 2 other areas'."""
    common = facts.components.most_common(top)
    names = [f"{place(c)} ({count(n, 'file')})" if counted else place(c) for c, n in common]
    others = len(facts.components) - len(names)
    return join_and(names + ([count(others, "other area")] if others else []))


def _amount(facts: Facts) -> str:
    text = f"In total +{facts.added:,}/-{facts.deleted:,} lines"
    binary, submodules = len(facts.paths("binary")), len(facts.paths("submodule"))
    if binary:
        text += f", {count(binary, 'binary file')}"
    if submodules:
        text += f", {count(submodules, 'submodule pointer')}"
    return text + "."


def fit(text: str, low: int, high: int, padding: str) -> str:
    text = text if len(text) >= low else f"{text} {padding}".strip()
    return shorten(text, high)


def count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"

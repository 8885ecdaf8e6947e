"""The `local` analyzer: a deterministic report built from the commit alone, with no network.

It reads the commit's files (facts.py), what they did to the code (codefacts.py: symbols, dependencies,
a release), names the commit's type with a rule it can name (committype.py), keeps the message's own
words as the rationale (message.py) and writes the rest from those facts (narrative.py).
"""

from __future__ import annotations

import re

from ...git.commits import Commit
from ...report.model import Report
from ..evidence import Evidence
from .codefacts import CodeFacts, Contents, read_code
from .committype import Inferred, infer_type
from .facts import Facts, capped, change_lines, diff_lines, file_line, gather, shorten
from .message import TYPES, Subject, parse_subject, prose, squashed_subjects
from .narrative import Story, count, impact, next_steps, summary, symbol_phrase, where

__all__ = ["analyze", "parse_subject"]

_SCOPE_FLAGS = {"deps": "dependencies", "deps-dev": "dependencies", "dev-deps": "dependencies", "dep": "dependencies",
                "dependency": "dependencies", "package": "dependencies", "release": "release"}  # fmt: skip


def analyze(commit: Commit, contents: Contents | None = None, evidence: Evidence | None = None) -> Report:
    """Build a report from the commit alone (deterministic, offline).

    `contents` reads file contents at both revisions (symbols, dependency versions); `evidence`, when
    given, supplies the redacted message and where credential-like values were withheld.
    """
    subject_line, body = _message(commit, evidence)
    facts = gather(commit.files)
    code = read_code(commit, contents)
    subject = parse_subject(subject_line, body)
    inferred = infer_type(commit, code.deps, release=code.release is not None, stated=subject.type)
    kind = inferred.type
    story = Story(commit, facts, code, kind, subject.breaking, _credentials(commit, evidence))
    return Report(
        title=_title(subject, kind, facts),
        summary=summary(story),
        changes=_changes(commit, code),
        rationale=_rationale(body),
        impact_and_tests=impact(story),
        next_steps=next_steps(story),
        tags=_tags(commit, subject, kind, inferred, story),
    )


def _message(commit: Commit, evidence: Evidence | None) -> tuple[str, str]:
    """The subject and body, as redacted for the evidence when there is some."""
    if evidence is None or "" not in evidence.redacted_paths:  # "": a value was withheld from the message
        return commit.subject, commit.body
    subject, _, body = evidence.message.partition("\n\n")
    return " ".join(subject.split()), body.strip()


def _credentials(commit: Commit, evidence: Evidence | None) -> tuple[str, ...]:
    """Where this commit added a credential-like value that the evidence withheld ("" for the message).

    The evidence redacts a whole diff; a value on a context or removed line was not added by this commit,
    so each file's added lines are checked again (few files ever have one)."""
    if evidence is None or not evidence.redacted_paths:
        return ()
    from ..redact import redact

    diffs = {f.path: f.diff for f in commit.files}
    found = []
    for path in evidence.redacted_paths:
        added = "\n".join(diff_lines(diffs.get(path, ""))[0])
        if not path or redact(added)[1]:
            found.append(path)
    return tuple(found)


def _title(subject: Subject, kind: str | None, facts: Facts) -> str:
    """The subject, with the type in front when it names none (and never a second prefix)."""
    text = subject.line if subject.prefixed and kind != subject.type else subject.text
    if len(re.sub(r"\W", "", text)) < 3:
        text = _describe(facts)
    prefix = ""
    if kind and (kind == subject.type or not subject.prefixed):
        prefix = f"{kind}({subject.scope})" if subject.scope else f"{kind}"
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
    return f"{verb} {len(facts.files):,} files in {where(facts, 2)}"


def _changes(commit: Commit, code: CodeFacts) -> list[str]:
    """One line per file (what happened, its counts, and the symbols or dependencies it changed)."""
    if not commit.files or len(commit.files) > 50:
        return change_lines(commit.files)
    symbols = {s.path: s for s in code.symbols}
    deps: dict[str, list[str]] = {}
    for d in code.deps:
        deps.setdefault(d.file, []).append(d.describe())
    lines = []
    for f in commit.files:
        line = file_line(f)
        detail = symbol_phrase(symbols[f.path]) if f.path in symbols else ""
        if f.path in deps:
            detail = capped(deps[f.path], 6, prose=False)
        lines.append(shorten(f"{line}: {detail}" if detail else line, 500))
    return lines


def _rationale(body: str) -> str:
    """The message's own prose; a squash merge's list of subjects; or a plain note that it gives none."""
    paragraphs = prose(body)
    squashed = squashed_subjects(paragraphs)
    if squashed:
        head = f"Squash of {count(len(squashed), 'commit')}:"
        paragraphs = [head + "".join(f"\n- {s}" for s in squashed)]
    text = ""
    for paragraph in paragraphs:
        longer = f"{text}\n\n{paragraph}" if text else paragraph
        if len(longer) > 2000:
            break
        text = longer
    if paragraphs and not text:
        text = shorten(paragraphs[0], 2000)
    if not text:
        return "The message has no body, so the reason for the change is not recorded."
    return text if len(text) >= 20 else f"The message body says: {text}"


def _tags(commit: Commit, subject: Subject, kind: str | None, inferred: Inferred, story: Story) -> list[str]:
    facts, code = story.facts, story.code
    flags = {
        "breaking": subject.breaking,
        "merge": commit.is_merge,
        "initial": commit.is_root,
        "release": code.release is not None,
        "dependencies": bool(code.deps or facts.paths("dependency") or facts.paths("lock")),
        "credential-withheld": bool(story.credentials),
    }
    rule = f"inferred:{inferred.rule}" if kind and inferred.rule != "subject" else ""
    scope = _SCOPE_FLAGS.get(subject.scope.lower(), subject.scope)  # `deps` says what `dependencies` says
    tags = [kind or "", rule, scope, *(flag for flag, on in flags.items() if on)]
    tags += [area for area in ("migration", "security", "api") if facts.paths(area)]
    tags += [language for language, _ in facts.languages.most_common(5)]
    tags += [c.rsplit("/", 1)[-1] for c, _ in facts.components.most_common(8) if c]
    cleaned = ["-".join(t.lower().split())[:40].strip("-") for t in tags]
    # a type name is the type only in first place; elsewhere it would read as one
    kept = [t for i, t in enumerate(cleaned) if t and (i == 0 or t not in TYPES)]
    return list(dict.fromkeys(kept))[:20]

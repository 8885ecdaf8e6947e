"""Read a commit message as its author wrote it: the subject's conventional prefix, the body's prose.

Only what is not prose is taken out of the body: trailers from a known list (`Signed-off-by:`,
`Co-authored-by:`, `Change-Id:`, …; a line such as `Reason: it was slow.` stays), CI directives
(`[skip ci]`, `skip-checks: true`), separator rules (`---------`) and the metadata block a dependency
bot appends. A squash merge's body (`* first subject`, `* second subject`, …) becomes the list of the
squashed subjects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .facts import wordset

TYPES = ("feat", "fix", "docs", "test", "refactor", "perf", "build", "ci", "chore", "style", "revert")
_ALIASES = {"feature": "feat", "bugfix": "fix", "hotfix": "fix", "doc": "docs", "tests": "test"}
_CONVENTIONAL = re.compile(r"^(?P<type>[A-Za-z]+) ?(?:\((?P<scope>[^()]*)\))?(?P<bang>!)?\s*:\s*(?P<text>.*)$")
#: any `word(scope)!: ` prefix, known type or not (commitizen's `bump:`, gitmoji-less `deps:`, …)
_ANY_PREFIX = re.compile(r"^[\w-]+(?:\([^()]*\))?!?: ")
_REVERT = re.compile(r'^Revert "(?P<text>.+)"$')
_BREAKING = re.compile(r"^BREAKING[ -]CHANGE:", re.M)
TRAILERS = wordset(
    "signed-off-by co-authored-by co-developed-by reviewed-by acked-by tested-by reported-by suggested-by "
    "helped-by cc change-id reviewed-on approved-by authored-by committed-by git-dch skip-checks"
)
_TRAILER = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*\S")
_DIRECTIVE = re.compile(
    r"\[(?:skip[ -]ci|ci[ -]skip|no[ -]ci|skip[ -]actions|actions[ -]skip|skip[ -]travis|travis[ -]skip|"
    r"skip[ -]azurepipelines|azurepipelines[ -]skip|skip[ -]netlify|skip[ -]release)\]|\*\*\*NO_CI\*\*\*",
    re.I,
)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|={3,})\s*$")
_SQUASHED = re.compile(r"^\* (\S.*)$")


@dataclass(frozen=True, slots=True)
class Subject:
    """A subject line split the conventional-commit way; `type` is None when it names none."""

    type: str | None
    scope: str
    breaking: bool
    text: str
    prefixed: bool  # the subject already starts with a `word:` prefix (known type or not)
    line: str  # the whole subject, CI directives removed


def parse_subject(subject: str, body: str = "") -> Subject:
    """Split `type(scope)!: text` (or git's `Revert "…"`); unknown types are left as plain text."""
    subject = strip_directives(subject)
    breaking = bool(_BREAKING.search(body))
    revert = _REVERT.match(subject)
    if revert:
        return Subject("revert", "", breaking, revert.group("text"), False, subject)
    found = _CONVENTIONAL.match(subject)
    kind = found and _ALIASES.get(found.group("type").lower(), found.group("type").lower())
    if not found or kind not in TYPES:
        return Subject(None, "", breaking, subject.strip(), bool(_ANY_PREFIX.match(subject)), subject)
    scope = "".join((found.group("scope") or "").split())
    text = found.group("text").strip()
    return Subject(kind, scope, breaking or bool(found.group("bang")), text, True, subject)


def strip_directives(text: str) -> str:
    """Text without CI directives such as `[skip ci]`."""
    return " ".join(_DIRECTIVE.sub(" ", text).split()) if "[" in text or "***" in text else text


def prose(body: str) -> list[str]:
    """The body's paragraphs as written, without trailers, CI directives, HTML comments and what follows a
    separator line (`---`, `---------`): after one comes a platform's or a bot's text, not the author's."""
    paragraphs: list[str] = []
    for paragraph in re.split(r"\n[ \t]*\n", _HTML_COMMENT.sub("", _without_bot_metadata(body))):
        lines = [_DIRECTIVE.sub("", line).rstrip() for line in paragraph.splitlines()]
        rule = next((i for i, line in enumerate(lines) if _RULE.match(line)), None)
        kept = [line for line in lines[:rule] if line.strip() and not _is_trailer(line)]
        if kept:
            paragraphs.append("\n".join(kept).strip("\n"))
        if rule is not None and paragraphs:
            break
    return paragraphs


def squashed_subjects(paragraphs: list[str]) -> list[str]:
    """The subjects of a squash merge's body (`* subject` paragraphs), or [] when it is not one."""
    firsts = [_SQUASHED.match(p.split("\n", 1)[0]) for p in paragraphs]
    subjects = [found.group(1) for found in firsts if found]
    return subjects if len(subjects) >= 2 else []


def _is_trailer(line: str) -> bool:
    found = _TRAILER.match(line)
    return found is not None and found.group(1).lower() in TRAILERS


def _without_bot_metadata(body: str) -> str:
    """Dependabot's `---\\nupdated-dependencies:\\n…\\n...` block is data for the bot, not prose."""
    at = body.find("updated-dependencies:")
    if at < 0:
        return body
    end = body.find("\n...", at)
    return body[:at] + (body[end + 4 :] if end >= 0 else "")

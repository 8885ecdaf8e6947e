"""What changed in the code of one file: functions, classes and methods added, removed, renamed or changed.

Python is read from its definitions (pysymbols.py: as its `ast` gives them). Other languages are read
from the diff: the definitions on added and removed lines (`func`, `fn`, `function`, `class`, …), and the
function each hunk is in, as git's function-context drivers name it in the hunk header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...git.commits import FileChange
from ...git.contents import hunk_contexts
from .facts import diff_lines, wordset

_DEFINITIONS = {
    "python": r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)",
    "go": r"^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)|^type\s+([A-Za-z_]\w*)\s+(?:struct|interface)",
    "rust": r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+|const\s+|unsafe\s+)*(?:fn|struct|enum|trait)\s+([A-Za-z_]\w*)",
    "javascript": r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\s*\*?\s*([A-Za-z_$][\w$]*)|"
    r"class\s+([A-Za-z_$][\w$]*))|^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*"
    r"(?:async\s+)?(?:function\b|\([^)]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)",
    "java": r"^\s*(?:(?:public|protected|private|abstract|static|final|sealed)\s+)*(?:class|interface|enum|record)"
    r"\s+([A-Za-z_]\w*)",
    "kotlin": r"^\s*(?:(?:public|private|internal|protected|open|override|suspend|data|abstract)\s+)*"
    r"(?:fun|class|interface|object)\s+(?:<[^>]*>\s*)?([A-Za-z_]\w*)",
    "ruby": r"^\s*(?:def\s+(?:self\.)?([\w?!]+)|class\s+([\w:]+)|module\s+([\w:]+))",
    "php": r"^\s*(?:(?:public|protected|private|static|abstract|final)\s+)*(?:function\s+([A-Za-z_]\w*)|"
    r"class\s+([A-Za-z_]\w*))",
}
_DEFINITIONS["typescript"] = _DEFINITIONS["javascript"]
_COMPILED = {language: re.compile(pattern) for language, pattern in _DEFINITIONS.items()}
#: a name in a hunk header: after def/class/fn/func/struct/…, or right before the `(` of a line that opens
#: a body (`name(args) {`), which a call such as `x = require('y');` does not
_CONTEXT_NAME = re.compile(
    r"(?:\b(?:def|class|fn|func|function|struct|enum|trait|interface|module|impl|object|fun|sub)\s+"
    r"(?:\([^)]*\)\s*)?([A-Za-z_$][\w$.:]*))|([A-Za-z_$][\w$]*)\s*\([^;]*[{:]\s*$"
)
#: control flow, and the calls that open a block in test files (`test('…', t => {`)
_KEYWORDS = wordset(
    "if for while switch catch return sizeof elif else with match case new await async "
    "test it describe serial suite context before after beforeEach afterEach beforeAll afterAll"
)


@dataclass(frozen=True, slots=True)
class SymbolChanges:
    """Named definitions of one file, by what happened to them (qualified as Class.method in Python)."""

    path: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()
    changed: tuple[str, ...] = ()
    #: module-level statements outside any definition that changed: "imports", "module-level code"
    module: tuple[str, ...] = ()
    exact: bool = field(default=False)  # read from Python's definitions (as its ast gives them), not the diff alone

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.changed or self.module)


def diff_symbols(f: FileChange, language: str | None, contexts: list[str] | None = None) -> SymbolChanges | None:
    """The definitions on a diff's added and removed lines, and the functions its hunks are in (`contexts`:
    the hunk headers' text as git's language driver wrote it; else those of the diff itself)."""
    pattern = _COMPILED.get(language or "")
    added: dict[str, None] = {}
    removed: dict[str, None] = {}
    if pattern:
        for lines, names in zip(diff_lines(f.diff), (added, removed), strict=True):
            for line in lines:
                found = pattern.match(line)
                name = found and next((g for g in found.groups() if g), None)
                if name:
                    names[name] = None
    changed = dict.fromkeys(n for n in added if n in removed)
    for context in hunk_contexts(f.diff) if contexts is None else contexts:
        name = _context_name(context)
        if name and name not in added and name not in removed:
            changed[name] = None
    result = SymbolChanges(
        f.path,
        added=tuple(n for n in added if n not in removed),
        removed=tuple(n for n in removed if n not in added),
        changed=tuple(changed),
    )
    return result or None


def _context_name(context: str) -> str | None:
    for found in _CONTEXT_NAME.finditer(context):
        name = found.group(1) or found.group(2)
        if name and name not in _KEYWORDS:
            return name.rsplit("::", 1)[-1] if "::" in name else name
    return None

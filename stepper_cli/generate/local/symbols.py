"""What changed in the code of one file: functions, classes and methods added, removed, renamed or changed.

Python is read with its own `ast` at both revisions, so a change is one the parser sees (a body or a
signature), and a rename is a definition whose text is the same under another name. Other languages are
read from the diff alone: the definitions on added and removed lines (`func`, `fn`, `function`, `class`,
…), and the function each hunk is in, as git's function-context drivers name it in the hunk header.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ...git.commits import FileChange
from .facts import wordset

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)$", re.M)
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
    exact: bool = field(default=False)  # read from both revisions (Python's ast), not from the diff

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.changed or self.module)


def python_symbols(path: str, old: str | None, new: str | None) -> SymbolChanges | None:
    """Compare the definitions of two Python texts; None when either side does not parse."""
    parsed_before, parsed_after = _parse(old), _parse(new)
    if parsed_before is None or parsed_after is None:
        return None
    (before, outside_before), (after, outside_after) = parsed_before, parsed_after
    added = [n for n in after if n not in before]
    removed = [n for n in before if n not in after]
    renamed = []
    for name in list(removed):
        twin = next((a for a in added if _renamed(before[name], after[a], name, a)), None)
        if twin:
            renamed.append((name, twin))
            removed.remove(name)
            added.remove(twin)
    changed = [n for n in after if n in before and after[n] != before[n] and not _inside_changed(n, after, before)]
    module = tuple(part for part in ("imports", "module-level code") if outside_before[part] != outside_after[part])
    if old is None or new is None:
        module = ()  # a whole file added or removed: its definitions say it
    return SymbolChanges(path, tuple(added), tuple(removed), tuple(renamed), tuple(changed), module, exact=True)


def diff_symbols(f: FileChange, language: str | None, contexts: list[str] | None = None) -> SymbolChanges | None:
    """The definitions on a diff's added and removed lines, and the functions its hunks are in (`contexts`:
    the hunk headers' text as git's language driver wrote it; else those of the diff itself)."""
    pattern = _COMPILED.get(language or "")
    added: dict[str, None] = {}
    removed: dict[str, None] = {}
    if pattern:
        for line in f.diff.splitlines():
            if line[:1] in "+-" and not line.startswith(("+++", "---")):
                found = pattern.match(line[1:])
                name = found and next((g for g in found.groups() if g), None)
                if name:
                    (added if line[0] == "+" else removed)[name] = None
    changed = dict.fromkeys(n for n in added if n in removed)
    for context in _HUNK.findall(f.diff) if contexts is None else contexts:
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


def _parse(text: str | None) -> tuple[dict[str, str], dict[str, str]] | None:
    """Qualified name → source text of each module- and class-level definition, and the text of the
    imports and of the other module-level statements; None when the text is not Python."""
    if text is None:
        return {}, {"imports": "", "module-level code": ""}
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = text.splitlines()
    found: dict[str, str] = {}
    outside: dict[str, list[str]] = {"imports": [], "module-level code": []}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            part = (
                "imports"
                if isinstance(node, ast.Import | ast.ImportFrom) or _guarded_import(node)
                else "module-level code"
            )
            outside[part].append(_dedent("\n".join(lines[node.lineno - 1 : node.end_lineno])))

    def visit(body: list[ast.stmt], prefix: str, depth: int) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{node.name}"
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                found[name] = "\n".join(lines[start - 1 : node.end_lineno])
                if isinstance(node, ast.ClassDef) and depth < 2:
                    visit(node.body, f"{name}.", depth + 1)

    visit(tree.body, "", 0)
    return found, {part: "\n".join(sorted(texts)) for part, texts in outside.items()}


def _guarded_import(node: ast.stmt) -> bool:
    """`try: import x / except ImportError: …` or `if TYPE_CHECKING: import …` counts as imports."""
    if isinstance(node, ast.Try | ast.If):
        body = [*node.body, *getattr(node, "orelse", [])]
        for handler in getattr(node, "handlers", []):
            body += handler.body
        return bool(body) and all(isinstance(n, ast.Import | ast.ImportFrom | ast.Pass) for n in body)
    return False


def _renamed(old_text: str, new_text: str, old_name: str, new_name: str) -> bool:
    short_old, short_new = old_name.rsplit(".", 1)[-1], new_name.rsplit(".", 1)[-1]
    return _dedent(old_text).replace(short_old, short_new) == _dedent(new_text)


def _dedent(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines())


def _inside_changed(name: str, after: dict[str, str], before: dict[str, str]) -> bool:
    """A class counts as changed only through its own lines, not because one of its methods changed."""
    if "." not in name and any(n.startswith(f"{name}.") for n in after):
        own_after = _without_members(name, after)
        return own_after == _without_members(name, before)
    return False


def _without_members(name: str, defs: dict[str, str]) -> str:
    text = defs.get(name, "")
    for member, body in defs.items():
        if member.startswith(f"{name}.") and member.count(".") == name.count(".") + 1:
            text = text.replace(body, "")
    return text

"""Python symbols of one changed file: the definitions of its new revision, read against the diff's changed lines.

The definitions of the new text are read once (pyscan.py reads them from its lines, and its `ast` decides
whatever that reader is not sure of: pydefs.py); each changed line belongs to the innermost function or
class around it (a class changes only through its own lines, not through a method's). A definition whose
`def` line is new was added; a `def` line removed with no definition of that name left was removed; a
removed `def` line with an added one beside it, same indentation and same signature, was renamed. Lines
outside every definition are the module's imports or its other module-level code. Reading one side, not two, keeps a
range of commits cheap (a commit rewriting ten modules costs ten readings).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .pydefs import Def, ast_definitions
from .pyscan import scan_definitions
from .symbols import SymbolChanges

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_]\w*)(.*)$")
_IMPORT = re.compile(r"^\s*(?:from\s+\S+\s+import\b|import\s)")
_SCAFFOLD = re.compile(r"^\s*(?:#|@|try:|finally:|else:|except\b|pass\b)")  # says nothing by itself


#: a changed line: its sign ("+" or "-"); the new revision's line (for a removed line: the line that now
#: follows it); its text; the text read as a `def` or `class` line (None: it is not one). A plain tuple: a
#: range of commits makes tens of thousands.
_Changed = tuple[str, int, str, "re.Match[str] | None"]


def python_symbols(path: str, new: str | None, diff: str) -> SymbolChanges | None:
    """What the diff did to the definitions of a Python file; None when its new text does not parse."""
    changed_lines = _changed(diff)
    if new is None:  # deleted: what its removed lines defined
        return SymbolChanges(path, removed=tuple(_qualify_removed(changed_lines, [])), exact=True)
    parsed = _definitions(new)
    if parsed is None:
        return None
    defs, imports = parsed
    owner = _owners(defs, new.count("\n") + 2)
    plus = {at for sign, at, _, _ in changed_lines if sign == "+"}
    removed_names = _qualify_removed(changed_lines, defs)
    redefined = set(removed_names)  # a `def` line rewritten: a changed signature
    added = [d.name for d in defs if d.line in plus and d.name not in redefined]
    touched: dict[str, None] = {}
    module: dict[str, None] = {}
    for sign, at, text, definition in _outside_removed_definitions(changed_lines):
        removed_module_line = sign == "-" and text[:1] not in " \t"
        place = at - 1 if sign == "-" and not removed_module_line else at
        inner = None if removed_module_line or not 0 <= place < len(owner) else owner[place]
        if inner is not None and not (sign == "+" and at == inner.line and inner.name not in redefined):
            touched[inner.name] = None
        elif inner is None and text.strip() and definition is None and not _SCAFFOLD.match(text):
            in_imports = any(a <= at <= b or (sign == "-" and a <= at - 1 <= b) for a, b in imports)
            module["imports" if in_imports or _IMPORT.match(text) else "module-level code"] = None
    # a rename is a new name on the same body: a body that changed too makes it a removal and an addition
    renamed = [(a, b) for a, b in _renames(changed_lines, defs) if b not in touched]
    names = {d.name for d in defs}
    gone = [n for n in removed_names if n not in names and n not in dict(renamed)]
    new_names = set(added) | {b for _, b in renamed}
    changed = tuple(n for n in touched if n not in new_names)
    whole_file = bool(defs) and all(d.line in plus for d in defs) and not any(c[0] == "-" for c in changed_lines)
    return SymbolChanges(
        path, tuple(n for n in added if n not in {b for _, b in renamed}), tuple(gone), tuple(renamed), changed,
        () if whole_file else tuple(sorted(module)), exact=True,
    )  # fmt: skip


def _outside_removed_definitions(changed_lines: list[_Changed]) -> list[_Changed]:
    """The changed lines, less the bodies of removed definitions (their removal is said once, by name)."""
    kept = []
    block: tuple[int, int] | None = None  # (place, indentation) of the removed `def` line being skipped
    for c in changed_lines:
        sign, at, text, definition = c
        if block is not None and sign == "-" and at == block[0]:
            body = text.lstrip()
            if not body or len(text) - len(body) > block[1]:
                continue
        found = definition if sign == "-" else None
        block = (at, len(found.group(1).expandtabs())) if found else None
        if not found:
            kept.append(c)
    return kept


def _changed(diff: str) -> list[_Changed]:
    """The diff's added and removed lines, each placed at a line of the new revision."""
    found: list[_Changed] = []
    at = 0
    for line in diff.splitlines():
        sign = line[:1]
        if sign == " ":
            if at:
                at += 1
        elif sign in ("+", "-") and at:
            text = line[1:]
            found.append((sign, at, text, _DEF.match(text) if "def" in text or "class" in text else None))
            if sign == "+":
                at += 1
        elif line.startswith("@@"):
            hunk = _HUNK.match(line)
            at = int(hunk.group(1)) if hunk else at
    return found


@lru_cache(maxsize=32)
def _definitions(text: str) -> tuple[tuple[Def, ...], tuple[tuple[int, int], ...]] | None:
    """The module's definitions and import spans: read from its lines, or from its `ast` when that reading is
    not sure of the text (None: it does not parse). Kept for the last few texts: in a range of commits a
    merge brings the same files again as the commits it merges."""
    found = scan_definitions(text)
    found = found if found is not None else ast_definitions(text)
    return None if found is None else (tuple(found[0]), tuple(found[1]))


def _owners(defs: Sequence[Def], lines: int) -> list[Def | None]:
    """For each line of the new text, the deepest definition around it (definitions come outer first, so
    an inner one paints over its class)."""
    owner: list[Def | None] = [None] * lines
    for d in defs:
        owner[d.start : d.end + 1] = [d] * (d.end + 1 - d.start)
    return owner


def _qualify_removed(changed_lines: list[_Changed], defs: Sequence[Def]) -> list[str]:
    """The qualified names on removed `def`/`class` lines: a class around them in the new text, or one removed
    just before them with less indentation."""
    names = []
    classes: list[tuple[int, str]] = []  # (indentation, name) of removed class lines, as in the old text
    for sign, at, _, found in changed_lines:
        if sign != "-" or not found:
            continue
        indent, kind, name = len(found.group(1).expandtabs()), found.group(2), found.group(3)
        classes = [(i, n) for i, n in classes if i < indent]
        owner = classes[-1][1] if classes else _class_around(defs, at, indent)
        qualified = f"{owner}.{name}" if owner and indent else name
        if kind == "class":
            classes.append((indent, qualified))
        names.append(qualified)
    return names


def _class_around(defs: Sequence[Def], at: int, indent: int) -> str:
    if not indent:
        return ""
    around = [d for d in defs if d.is_class and d.start <= at - 1 <= d.end]
    return around[-1].name if around else ""


def _renames(changed_lines: list[_Changed], defs: Sequence[Def]) -> list[tuple[str, str]]:
    """A removed `def` line and an added one at the same place, same indentation and same rest of line."""
    removed = [(at, m) for sign, at, _, m in changed_lines if sign == "-" and m]
    added = [(at, m) for sign, at, _, m in changed_lines if sign == "+" and m]
    pairs = []
    for old_at, o in removed:
        for new_at, n in added:
            same_place = abs(new_at - old_at) <= 1 and o.group(1) == n.group(1) and o.group(2) == n.group(2)
            if same_place and o.group(4) == n.group(4) and o.group(3) != n.group(3):
                owner = _class_around(defs, new_at + 1, len(o.group(1)))
                prefix = f"{owner}." if owner else ""
                pairs.append((f"{prefix}{o.group(3)}", f"{prefix}{n.group(3)}"))
                added.remove((new_at, n))
                break
    return pairs

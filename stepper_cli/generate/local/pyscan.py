"""Python definitions read from a module's layout, without parsing it: pydefs.ast_definitions' answer, or
None when the text is not one this reader is sure of (the caller then parses it).

The text is reduced to a skeleton first (pyskeleton.py: no comments, strings and bracketed groups as
placeholders, continued lines marked). Regular expressions then do the reading: one cuts the skeleton into runs
(logical lines of one indentation) whose indentation is checked as Python's tokenizer and parser check
it; another cuts a block into statements, each with the deeper lines of its own block. Only the module,
the class bodies read for methods and the bodies of module-level `if`/`try` are read statement by
statement: a function body is passed over by the expression, which makes this many times cheaper than
`ast.parse`.

Not sure of (None): what pyskeleton.py is not sure of, tabs or form feeds in the indentation, a dedent to
no open level, and a block where none may start or none where one must. An error inside an expression
(`x = = 1`) is not looked for: such a module is read as its layout shows it, where the parser refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .pydefs import Def, Definitions
from .pyskeleton import DEPTH, Unsure, skeleton

#: one logical line of the skeleton, from its first character to its last token (trailing blanks left out)
_LINE = r"(?:[^\n\\\x03]*+[\\\x03]\n)*+[^\n\\\x03]*(?<![ \t])"
_NEXT = r"[ \t]*\n(?:[ \t]*\n)*+"  # to the next line that is not blank
#: a run: logical lines of one indentation (group 1), and the last character of its last line (group 2)
_RUN = re.compile(rf"^([ \t]*)(?=[^ \t\n]){_LINE}(?:{_NEXT}\1(?=[^ \t\n]){_LINE})*+(?<=(.))", re.M | re.S)
_BODY_INDENT = re.compile(rf"{_NEXT}([ \t]+)")
_HEADER = re.compile(r"(?:async(?:[ \t]|[\\\x03]\n)+)?(def|class)(?:[ \t]|[\\\x03]\n)+([A-Za-z_]\w*)")
_DECORATOR_BREAK = re.compile(r"@[ \t]*[\\\x03]")  # the decorator's expression starts on a later line
_WORD = re.compile(r"\w*")
_IMPORT = re.compile(r"[ \t\\\x03\n]*(?:import|from)\b")
_IMPORT_OR_PASS = re.compile(r"[ \t\\\x03\n]*(?:import|from|pass)\b")
_COLON = re.compile(r":(?!=)")
_BLANK = " \t\n\\\x03"
_CLAUSES = {"if": ("elif", "else"), "try": ("except", "else", "finally")}
_COMPOUND = {"if", "elif", "else", "try", "except", "finally", "for", "while", "with", "async", "def", "class"}


@dataclass(slots=True)
class _Guard:
    """A module-level `if` or `try` being read: are its clauses' bodies imports (or `pass`) only?"""

    first: int
    kind: str
    imports_only: bool = True


@cache
def _statements_at(indent: str) -> re.Pattern[str]:
    """The statements of a block indented so: the first logical line (group 1), then its own block."""
    return re.compile(rf"^{indent}(?=[^ \t\n])({_LINE})(?:{_NEXT}{indent}[ \t]+(?=[^ \t\n]){_LINE})*+", re.M)


def scan_definitions(text: str) -> Definitions | None:
    """The module's definitions and import spans as `ast_definitions` gives them; None when not sure."""
    try:
        code = skeleton(text)
        _check_indentation(code)
        return _Scan(code).read()
    except Unsure:
        return None


def _check_indentation(code: str) -> None:
    """Indentation as the tokenizer and parser accept it: a block after each header, none elsewhere, and
    each dedent back to an open level."""
    levels = [0]
    opens = False
    for indent, last in _RUN.findall(code):
        width = len(indent)
        if width > levels[-1]:
            if not opens or len(levels) > DEPTH:
                raise Unsure
            levels.append(width)
        else:
            if opens:
                raise Unsure
            while width < levels[-1]:
                levels.pop()
            if width != levels[-1]:
                raise Unsure
        if "\t" in indent or last == "\n":  # tabs; a continued line left blank
            raise Unsure
        opens = last == ":"
    if opens:
        raise Unsure


class _Scan:
    """The definitions and imports of a skeleton whose indentation is known to be sound."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.at, self.line = 0, 1  # a place in the code and its line
        self.found: list[Def] = []
        self.imports: list[tuple[int, int]] = []
        self.last = 0  # the line of the last token read so far
        self.decorated = 0  # the first decorator's line, before its `def` is read
        self.guard: _Guard | None = None

    def read(self) -> Definitions:
        self._block("", 0, len(self.code), "", 0)
        if self.decorated:
            raise Unsure
        self._close_guard()
        return self.found, self.imports

    def _block(self, indent: str, start: int, end: int, prefix: str, depth: int) -> None:
        """Read the statements of the module or of a class body for definitions."""
        for statement in _statements_at(indent).finditer(self.code, start, end):
            text = statement.group(1)
            first = self._line_at(statement.start())
            header = _HEADER.match(text)
            if header is None:
                self._statement(statement, text, first, depth)
            else:
                if self.guard is not None and depth == 0:
                    self._close_guard()
                self._define(statement, header, first, prefix, depth)
            self.last = self._line_at(statement.end())

    def _statement(self, statement: re.Match[str], text: str, first: int, depth: int) -> None:
        """A statement other than a definition: a decorator, an import, a clause of a module-level `if`/`try`."""
        if depth == 0 and self._clause(statement, text, first):
            return
        if depth == 0:
            self._close_guard()
        if text[0] == "@":
            if _DECORATOR_BREAK.match(text):
                raise Unsure
            self.decorated = self.decorated or first
        elif self.decorated:
            raise Unsure  # a decorator on something else
        elif depth == 0:
            self._imports(text, first, self._line_at(statement.end()))

    def _define(self, statement: re.Match[str], header: re.Match[str], first: int, prefix: str, depth: int) -> None:
        name, is_class, start = prefix + header.group(2), header.group(1) == "class", self.decorated or first
        self.decorated = 0
        if self._has_block(statement) and is_class and depth < 2:  # its methods come after it
            index = len(self.found)
            self.found.append(Def(name, start, 0, first, is_class))
            self._block(*self._body(statement), f"{name}.", depth + 1)
            self.found[index] = Def(name, start, self._line_at(statement.end()), first, is_class)
        else:
            self.found.append(Def(name, start, self._line_at(statement.end()), first, is_class))

    def _has_block(self, statement: re.Match[str]) -> bool:
        """Whether a statement has a block of its own (a header that ends in a colon must)."""
        header_end = statement.end(1)
        block = statement.end() > header_end
        if block != (self.code[header_end - 1] == ":"):
            raise Unsure
        return block

    def _body(self, statement: re.Match[str]) -> tuple[str, int, int]:
        """A compound statement's block: its indentation, where it starts and ends."""
        found = _BODY_INDENT.match(self.code, statement.end(1))
        if found is None:
            raise Unsure
        return found.group(1), found.start(1), statement.end()

    def _clause(self, statement: re.Match[str], text: str, first: int) -> bool:
        """A module-level `if`/`try` begun, or continued by a clause; False for any other line."""
        keyword = _word(text)
        if keyword in ("if", "try"):
            self._close_guard()
            self.guard = _Guard(first, keyword)
        elif keyword in ("elif", "except", "finally") or (keyword == "else" and self.guard is not None):
            if self.guard is None or keyword not in _CLAUSES[self.guard.kind]:
                raise Unsure
            if keyword == "elif" or text[len(keyword) :].lstrip(" \t").startswith("*"):
                self.guard.imports_only = False  # an `elif` is an `if` in the orelse; `except*` is not a Try
        else:
            return False
        if keyword != "finally" and self.guard.imports_only:
            self.guard.imports_only = self._imports_only(statement, text)
        self.last = self._line_at(statement.end())
        return True

    def _imports_only(self, statement: re.Match[str], text: str) -> bool:
        """Whether a clause's body holds imports and `pass` only."""
        if self._has_block(statement):
            indent, start, end = self._body(statement)
            lines = _statements_at(indent).finditer(self.code, start, end)
            return all(line.end() == line.end(1) and _all_imports(line.group(1)) for line in lines)
        colon = _COLON.search(text)
        if colon is None or "lambda" in text:
            raise Unsure  # a colon that may not be the header's
        return _all_imports(text[colon.end() :])

    def _imports(self, text: str, first: int, end: int) -> None:
        """The spans of the import statements on a module-level line."""
        keyword = _word(text)
        if ";" not in text or keyword in _COMPOUND:
            if _IMPORT.match(text):
                self.imports.append((first, end))
            return
        if first != end or keyword in ("match", "case"):
            raise Unsure
        self.imports += [(first, first) for part in _simple_statements(text) if _IMPORT.match(part)]

    def _close_guard(self) -> None:
        if self.guard is not None and self.guard.imports_only:
            self.imports.append((self.guard.first, self.last))
        self.guard = None

    def _line_at(self, place: int) -> int:
        """The line of a place at or after the last one asked about (the reading only moves forward)."""
        self.line += self.code.count("\n", self.at, place)
        self.at = place
        return self.line


def _word(text: str) -> str:
    found = _WORD.match(text)
    return found.group() if found else ""


def _simple_statements(text: str) -> list[str]:
    parts = text.split(";")
    return parts[:-1] if not parts[-1].strip(_BLANK) else parts


def _all_imports(text: str) -> bool:
    return all(_IMPORT_OR_PASS.match(part) for part in _simple_statements(text))

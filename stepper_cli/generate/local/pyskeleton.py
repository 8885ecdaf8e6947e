"""A Python module reduced to its skeleton, for pyscan.py to read its layout: comments gone, each string
\x02 and each bracketed group \x01 (innermost first), after one "\x03 newline" per line it spans, so the
line count stays and the last line of a group keeps a token. What is left is keywords, names and
operators, every continued line ending in a backslash or \x03.

`Unsure` when the text holds what this reduction cannot vouch for: a carriage return alone, anything
outside printable ASCII in the code (strings and comments may hold anything), a quote left over (an
unterminated string), an unbalanced bracket, a backslash before anything but a line end, and Python 2
(print and exec statements, `<>`, backticks, `ur""`, `0777`, `10L`, `except E, e`, `raise E, "x"`).
"""

from __future__ import annotations

import re

#: a comment, or a string (its prefix stays in the skeleton, just before its placeholder): after its quote, a
#: triple-quoted string, a triple quote never closed (left as a quote: the text is not one to read), or a
#: one-line string
_STRING_OR_COMMENT = re.compile(
    r"#[^\n]*"
    r"|\"(?:\"\"(?:[^\"\\]++|\\.|\"(?!\"\"))*+\"\"\"|\"\"|(?:[^\"\\\n]++|\\.)*+\")"
    r"|'(?:''(?:[^'\\]++|\\.|'(?!''))*+'''|''|(?:[^'\\\n]++|\\.)*+')",
    re.S,
)
_PREFIXES = {"r", "u", "f", "b", "br", "rb", "fr", "rf"}
_PREFIXED = re.compile(r"\x02(?<=\w\x02)")
_NOT_PYTHON = re.compile(r"[^\t\n\x01-\x03 !#%&(->@-_a-~]")  # left outside strings: ", $, ', ?, `, non-ASCII
#: Python 2: print and exec statements, `except E, e:` and `raise E, "message"`, 0777 and 10L
_OLD_STATEMENTS = (re.compile(r"print\b(?![ \t]*\()"), re.compile(r"exec\b(?![ \t]*\()"))
_OLD_CLAUSES = (re.compile(r"except\b[^\n:;]*,"), re.compile(r"raise\b[^\n:;]*,"))
_OLD_NUMBERS = ((re.compile(r"0[0-9_]*[1-9][0-9_]*(?![\w.])"), "0"), (re.compile(r"L(?<=\dL)(?![\w.])"), "0123456789"))
_NUMBER_BEFORE = re.compile(r"[\w.]")
_GROUP = re.compile(r"\([^()\[\]{}\n]*\)|\[[^()\[\]{}\n]*\]|\{[^()\[\]{}\n]*\}")
_BRACKET = re.compile(r"[()\[\]{}]")
_OPENS = {")": "(", "]": "[", "}": "{"}
DEPTH = 90  # deeper nesting than this: the parser says whether it can


class Unsure(Exception):
    """The text is not one the scanner is sure of."""


def skeleton(text: str) -> str:
    """The text without comments, with strings and bracketed groups as placeholders (lines kept)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if "\x00" in text or "\x01" in text or "\x02" in text or "\x03" in text:  # NUL; the placeholders
        raise Unsure
    code = _STRING_OR_COMMENT.sub(_placeholder, text)
    if _NOT_PYTHON.search(code) or "<>" in code or code.count("\\") != code.count("\\\n"):
        raise Unsure
    if any(_word_before(code, found.start()) not in _PREFIXES for found in _PREFIXED.finditer(code)):
        raise Unsure  # a name just before a string: `ur""`, or a keyword written against one
    if _python2(code, _OLD_STATEMENTS) or _old_number(code):
        raise Unsure
    for _ in range(DEPTH):
        code, flattened = _GROUP.subn("\x01", code)
        if not flattened:
            break
    else:
        raise Unsure
    if _BRACKET.search(code):
        code = _join_groups(code)
    if _python2(code, _OLD_CLAUSES):
        raise Unsure
    return code


def _placeholder(found: re.Match[str]) -> str:
    token = found.group()
    if token[0] == "#":
        return ""
    return "'" if len(token) == 3 and token[1:] == token[0] * 2 else "\x03\n" * token.count("\n") + "\x02"


def _word_before(code: str, end: int) -> str:
    start = end
    while start and (code[start - 1].isalnum() or code[start - 1] == "_"):
        start -= 1
    return code[start:end].lower()


def _python2(code: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    """A statement that only Python 2 allows: a pattern found at the start of a line."""
    for pattern in patterns:
        for found in pattern.finditer(code):
            if not code[code.rfind("\n", 0, found.start()) + 1 : found.start()].strip(" \t"):
                return True
    return False


def _old_number(code: str) -> bool:
    """A number with a leading zero or an L (a whole number, not part of a name or of a float)."""
    for pattern, first in _OLD_NUMBERS:
        for found in pattern.finditer(code):
            start = found.start()
            while start and code[start - 1].isdigit():
                start -= 1
            if code[start] in first and not (start and _NUMBER_BEFORE.match(code, start - 1)):
                return True
    return False


def _join_groups(code: str) -> str:
    """Each group still open at a line end, whole, as one placeholder."""
    pieces: list[str] = []
    stack: list[str] = []
    done = opened = 0
    for found in _BRACKET.finditer(code):
        char = found.group()
        if char not in _OPENS:
            opened = found.start() if not stack else opened
            stack.append(char)
        elif not stack or stack.pop() != _OPENS[char] or len(stack) > DEPTH:
            raise Unsure
        elif not stack:
            pieces += [code[done:opened], "\x03\n" * code.count("\n", opened, found.end()), "\x01"]
            done = found.end()
    if stack:
        raise Unsure
    return "".join(pieces) + code[done:]

"""Whether a string is a valid git ref name, by the rules of `git check-ref-format --allow-onelevel`.

Checked in pure Python (no git process) when the configuration loads, so that a bad `notes.ref` (a NUL
byte, 300 KB of text, `..`, a space) is one configuration error, never a failed or misread git call.
"""

from __future__ import annotations

MAX_LENGTH = 1024  # git has no limit, but each component is a file name, and argv strings are bounded
MAX_COMPONENT = 255
_FORBIDDEN = set(" ~^:?*[\\\x7f")


def ref_problem(ref: str) -> str | None:
    """Why ref is not a valid ref name (a phrase), or None when it is."""
    if not ref:
        return "it is empty"
    if len(ref) > MAX_LENGTH:
        return f"it is {len(ref):,} characters long (at most {MAX_LENGTH})"
    if any(ord(c) < 0x20 or c in _FORBIDDEN for c in ref):
        return "it holds a control character, a space, or one of ~ ^ : ? * [ \\"
    if ref == "@" or "@{" in ref or ".." in ref:
        return "it holds '..' or '@{', or is '@'"
    if ref.startswith(("/", "-")) or ref.endswith(("/", ".")) or "//" in ref:
        return "it starts with '/' or '-', ends with '/' or '.', or holds '//'"
    for part in ref.split("/"):
        if part.startswith(".") or part.endswith(".lock") or len(part) > MAX_COMPONENT:
            return f"its part '{part[:40]}' starts with '.', ends with '.lock', or is too long"
    return None

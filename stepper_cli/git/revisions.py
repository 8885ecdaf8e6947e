"""What may reach git as a revision: one revision or one range, and full object ids read back from anywhere.

Shared by every command that takes REV or A..B and by the worker's job checks; standard library only.
"""

from __future__ import annotations

import re

from ..errors import GitError

OBJECT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # a full SHA-1 or SHA-256 id as git prints it


def check_revision(spec: str) -> None:
    """Refuse what is not one revision or one range A..B / A...B: empty, an option, control characters,
    a leading `^` (an exclusion), or a range with neither end (`..`)."""
    bare = spec.replace("...", "..", 1) if "..." in spec else spec
    left, dots, right = bare.partition("..")
    if (
        not spec
        or spec.startswith(("-", "^"))
        or not spec.isprintable()  # a NUL cannot reach git's argv; a newline would split its output
        or (dots and not (left or right))
        or (dots and right.startswith(("-", "^")))
        or ".." in right
    ):
        raise GitError(f"'{shown(spec)}' is not a revision.", hint="Give a commit, a branch, a tag or A..B.")


def shown(text: str) -> str:
    """Text as a message may quote it: control characters (a newline in a revision) escaped."""
    return text if text.isprintable() else text.encode("unicode_escape").decode()

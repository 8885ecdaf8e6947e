"""The hand parser the Typer-free fast paths share: flags, `--opt VALUE`/`--opt=VALUE`, and one REV."""

from __future__ import annotations


def plain_args(argv: list[str], flags: set[str], options: set[str]) -> tuple[dict[str, str], str] | None:
    """Return ({flag or option: value}, REV) for plain forms only; None sends the caller to Typer."""
    seen: dict[str, str] = {}
    rest, revs = list(argv), list[str]()
    while rest:
        word = rest.pop(0)
        name, eq, value = word.partition("=")
        if word in flags:
            seen[word] = ""
        elif name in options and (eq or rest):
            seen[name] = value if eq else rest.pop(0)
        elif word.startswith("-") or revs:
            return None
        else:
            revs.append(word)
    return seen, (revs[0] if revs else "HEAD")

"""What a repository's own `.stepper.toml` may set before it is trusted: the allow-list, written once.

A cloned repository must not be able to change where data goes, what leaves the machine, or state shared
with other repositories. So, until `stepper config trust`, only the keys of `ALLOWED` apply, each by its
rule against the value below it (the user's file, else the default):

    extend   a list is added to the one below, never replacing or removing an entry
    lower    a number may lower the one below, never raise it
    set      any valid value (keys that touch nothing outside this repository's own reports)

Every other key (queue, cache, retry, breaker, evidence.redact, notes, providers, notify, unknown keys)
is ignored and named in ONE warning line. `beyond` lists what trusting the file would add, for
`stepper config trust` to show before it asks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

Rule = Literal["extend", "lower", "set"]
Path_ = tuple[str, ...]

ALLOWED: dict[str, tuple[Rule, str]] = {
    "evidence.exclude": ("extend", "more files left out of what is sent (added to yours)"),
    "evidence.max_diff_bytes": ("lower", "a smaller diff budget (never a larger one)"),
    "prompt.style": ("set", "one of the built-in prompt styles"),
    "hook.mode": ("set", "how the hook of this repository asks for reports"),
    "hook.skip_during_rebase": ("set", "whether the hook skips rebase and cherry-pick commits"),
    "hook.report_budget_seconds": ("set", "the hook's time budget in report mode"),
}
_SHOWN_KEYS = 8  # the warning line names this many keys, then "and N more"


@dataclass(frozen=True)
class Beyond:
    """One value of a repository file that applies only once the file is trusted."""

    key: str
    value: Any
    note: str = ""


def _extend(below: Any, value: Any) -> Any:
    if isinstance(below, list) and isinstance(value, list):
        return below + [v for v in value if v not in below]
    return value  # not a list: validation names the key


def _lower(below: Any, value: Any) -> Any:
    if _number(below) and _number(value):
        return min(below, value)
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _removes(below: Any, value: Any) -> bool:
    return isinstance(below, list) and isinstance(value, list) and any(b not in value for b in below)


def _raises(below: Any, value: Any) -> bool:
    return _number(below) and _number(value) and value > below


# rule -> (the value that applies untrusted, whether the file asks for more than that)
RULES: dict[Rule, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], bool]]] = {
    "extend": (_extend, _removes),
    "lower": (_lower, _raises),
    "set": (lambda _b, v: v, lambda _b, _v: False),
}
_ALLOWED_PATHS = {tuple(key.split(".")): rule for key, (rule, _) in ALLOWED.items()}


def untrusted_part(data: dict[str, Any], below: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The part of an untrusted file's data that applies (rules applied against below), and the keys ignored."""
    applied: dict[str, Any] = {}
    ignored: list[str] = []
    for path, value in _leaves(data):
        rule = _ALLOWED_PATHS.get(path)
        if rule is None:
            ignored.append(dotted(path))
            continue
        apply, exceeds = RULES[rule]
        _put(applied, path, apply(_get(below, path), value))
        if exceeds(_get(below, path), value):
            ignored.append(f"{dotted(path)} ({_limited(rule)})")
    return applied, ignored


def beyond(data: dict[str, Any], below: dict[str, Any]) -> list[Beyond]:
    """Every value of the file that trusting it would turn on, each a leaf (a [[providers]] entry key by key)."""
    found: list[Beyond] = []
    for path, value in _leaves(data):
        rule = _ALLOWED_PATHS.get(path)
        if rule is None:
            found.extend(Beyond(key, v) for key, v in _expand(dotted(path), value))
        elif RULES[rule][1](_get(below, path), value):
            found.append(Beyond(dotted(path), value, _trusted_note(rule, _get(below, path))))
    return found


def warning_line(file: str, root: str, ignored: list[str]) -> str:
    """The one warning line naming what an untrusted file set and stepper ignored."""
    names = ", ".join(ignored[:_SHOWN_KEYS]) + (f" and {len(ignored) - _SHOWN_KEYS} more" if
                                                len(ignored) > _SHOWN_KEYS else "")  # fmt: skip
    return (f"warning: {shown(file)} is not trusted, so stepper ignores {names}; "
            f"to apply them, run 'stepper config trust' in {shown(root)}.")  # fmt: skip


def shown(text: str, limit: int = 200) -> str:
    """Text from a file as one printable line: control and format characters escaped, long text cut."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def dotted(path: Path_) -> str:
    """A key path as config shows it (each part made printable and short)."""
    return ".".join(shown(part, 60) for part in path)


def _limited(rule: Rule) -> str:
    return {"extend": "it may only add patterns", "lower": "it may only lower it", "set": ""}[rule]


def _trusted_note(rule: Rule, below: Any) -> str:
    if rule == "extend":
        return f"replaces your list {json.dumps(below)} instead of adding to it"
    return f"raises your limit of {json.dumps(below)}"


def _leaves(data: dict[str, Any], prefix: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Each key that sets a value: tables are walked into, except where a table itself is allowed."""
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and path not in _ALLOWED_PATHS:
            yield from _leaves(value, path)
        else:
            yield path, value


def _expand(key: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for sub, inner in value.items():
            yield from _expand(f"{key}.{shown(str(sub), 60)}", inner)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            yield from _expand(f"{key}[{i}]", item)
    else:
        yield key, value


def _get(data: dict[str, Any], path: Path_) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)  # type: ignore[assignment]
    return data


def _put(data: dict[str, Any], path: Path_, value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value

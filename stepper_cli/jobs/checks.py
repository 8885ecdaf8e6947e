"""Judge a job record read back from the store before a worker runs it: the store and the queue are untrusted.

A job runs only when its fields have the types stepper writes, its commit is a full hex object id (40 or
64 lowercase hex digits, so it can never be read as a git option or revision syntax), and its repository
is an absolute, normalised path that this machine registered (`jobs.registry`) or that the user's config
lists in `queue.repositories` (for a worker serving a team's queue). Anything else is refused with a
reason; the runner marks it failed without calling git or a provider. Standard library only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..git.revisions import OBJECT_ID, shown
from .registry import registered, registry_file

CACHE_KEY = re.compile(r"[0-9a-f]{32}")
SHOWN_MAX = 80  # how much of an untrusted value a reason quotes


def is_object_id(text: object) -> bool:
    """Whether text is a full SHA-1 or SHA-256 object id in git's lowercase hex."""
    return isinstance(text, str) and OBJECT_ID.fullmatch(text) is not None


class JobGate:
    """Which jobs this worker may run: repositories registered here (re-read when the file changes) or listed."""

    def __init__(self, listed: Iterable[str] = (), home: Path | None = None) -> None:
        self.listed = frozenset(_listed(listed))
        self.home = home
        self._stamp: tuple[int, int] | None = None
        self._registered: frozenset[str] = frozenset()

    def refusal(self, job: dict[str, Any]) -> str | None:
        """Why the job must not run, as the end of a sentence; None when it may."""
        shape = _shape(job)
        if shape is not None:
            return shape
        commit, path = job["commit"], job["repo_path"]
        if not is_object_id(commit):
            return f"its commit '{_quote(commit)}' is not a full hex object id"
        place = _path_problem(path)
        if place is not None:
            return f"its repository path '{_quote(path)}' {place}"
        if path not in self._current() and os.path.realpath(path) not in self.listed:
            return (
                f"its repository '{_quote(path)}' was never registered on this machine "
                "(run 'stepper enqueue' there, or list it in queue.repositories)"
            )
        return None

    def _current(self) -> frozenset[str]:
        """The registered roots, read again only when the registry file changed since the last read."""
        try:
            info = os.stat(registry_file(self.home), follow_symlinks=False)
            stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp is None or stamp != self._stamp:
            self._registered = registered(self.home) if stamp is not None else frozenset()
            self._stamp = stamp
        return self._registered


def _shape(job: dict[str, Any]) -> str | None:
    """Whether each field the runner uses has the type stepper writes."""
    for name in ("commit", "repo_path", "key"):
        if not isinstance(job.get(name), str):
            return f"its field '{name}' is missing or not text"
    if not CACHE_KEY.fullmatch(job["key"]):
        return f"its cache key '{_quote(job['key'])}' is not one stepper makes"
    patch = job.get("patch_id")
    if patch is not None and not is_object_id(patch):
        return f"its patch id '{_quote(patch)}' is not a full hex object id"
    attempts = job.get("attempts")
    if isinstance(attempts, bool) or not isinstance(attempts, int):
        return "its field 'attempts' is not a number"
    return None


def _path_problem(path: str) -> str | None:
    if not path.isprintable():
        return "holds control characters"
    if not os.path.isabs(path):  # "~/x" and "repo" alike: a worker's cwd or HOME must not choose the repository
        return "is not absolute"
    if os.path.normpath(path) != path:
        return "is not normalised"
    return None


def _listed(paths: Iterable[str]) -> Iterable[str]:
    for entry in paths:
        if entry.strip():
            yield os.path.realpath(os.path.expanduser(entry))  # the user's own config: '~' is theirs


def _quote(value: str) -> str:
    text = shown(value)
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"

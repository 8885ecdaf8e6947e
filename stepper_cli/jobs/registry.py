"""The repositories this machine enqueued from: the worker runs jobs of these (and of `queue.repositories`) only.

    STEPPER_HOME/repositories.jsonl   one JSON string per line: a repository root as `git rev-parse
                                      --show-toplevel` printed it when `stepper enqueue` ran there

The queue and the store may be shared (a team's Redis) and are untrusted; this file is owner-only under
STEPPER_HOME, which only this user writes. A line is appended (O_APPEND, one write) the first time a
repository enqueues; concurrent enqueues may append the same path twice, which reads back as one.
Standard library only (git-hook path).
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

from ..config.paths import FILE_MODE, stepper_home
from ..errors import StorageError

REGISTRY_NAME = "repositories.jsonl"


def registry_file(home: Path | None = None) -> Path:
    """The registry's file under STEPPER_HOME."""
    return (home if home is not None else stepper_home()) / REGISTRY_NAME


def registered(home: Path | None = None) -> frozenset[str]:
    """Every repository root registered on this machine (an absent file registers none)."""
    return _parse(_read(registry_file(home)))


def register(root: Path | str, home: Path | None = None) -> None:
    """Record a repository root, unless it is there already."""
    path, text = registry_file(home), str(root)
    if text in registered(home):
        return
    line = (json.dumps(text) + "\n").encode("utf-8", "surrogateescape")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _error(path, exc) from exc


def _read(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise _error(path, exc) from exc
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _parse(data: bytes) -> frozenset[str]:
    found = set()
    for line in data.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue  # a torn line (a full disk): that repository registers again on its next enqueue
        if isinstance(value, str):
            found.add(value)
    return frozenset(found)


def _error(path: Path, exc: OSError) -> StorageError:
    if exc.errno == errno.ELOOP:
        return StorageError(
            f"{path} is a symbolic link; stepper does not follow links inside STEPPER_HOME.",
            hint="Remove the link; the next 'stepper enqueue' in each repository recreates the file.",
        )
    return StorageError(f"Cannot use {path}: {exc.strerror or exc}.", hint="Check the folder's owner and free space.")

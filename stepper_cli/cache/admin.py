"""What `stepper cache` shows and does: counts by state, one commit's entry, clearing the reports (and any
entry stepper cannot read, so that `cache clear` is the way out its error messages promise).

`cache clear` deletes a local state file only when it is proven lost: SQLite reports it corrupt (or it was
emptied). A full disk, an I/O error, a lock or a link proves nothing: then nothing at all is deleted and
the error says what to do (free space, check the disk, stop stray workers, remove the link).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config.paths import check_file, free_space_hint
from ..errors import StorageError
from ..store.errors import probe
from .reports import ALIAS_PREFIX, REPORT_PREFIX, CachePolicy

if TYPE_CHECKING:
    from ..store import Store


@dataclass(frozen=True)
class CacheStats:
    """What the cache holds (`stepper cache stats`)."""

    location: str
    entries: int
    fresh: int
    stale: int
    pending: int
    failed: int
    fallback: int
    aliases: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def stats(store: Store, policy: CachePolicy, now: float | None = None) -> CacheStats:
    """Count the entries of the cache by state and freshness."""
    now = time.time() if now is None else now
    entries = [entry for _, entry in store.scan(REPORT_PREFIX)]
    ages = [policy.age_state(e, now) for e in entries]
    return CacheStats(
        location=store.describe(), entries=len(entries), fresh=ages.count("fresh"), stale=ages.count("stale"),
        pending=sum(e.get("state") == "pending" for e in entries),
        failed=sum(e.get("state") == "failed" for e in entries),
        fallback=sum(bool(e.get("fallback")) and a is not None for e, a in zip(entries, ages, strict=True)),
        aliases=sum(1 for _ in store.scan(ALIAS_PREFIX)),
    )  # fmt: skip


def clear(store: Store) -> int:
    """Remove every cached report and patch-id alias; return how many reports there were."""
    removed = store.clear(REPORT_PREFIX)
    store.clear(ALIAS_PREFIX)
    return removed


def proven_lost(files: tuple[Path, ...]) -> list[Path]:
    """The SQLite files among files that SQLite proves corrupt, or that were emptied; any doubt raises.

    Every file is checked before the caller deletes anything, so one file on a full disk keeps them all.
    """
    lost = []
    for path in files:
        check_file(path)
        kind = probe(path)
        if kind in ("corrupt", "empty"):
            lost.append(path)
        elif kind is not None:
            raise _not_proven(path, kind)
    return lost


def _not_proven(path: Path, kind: str) -> StorageError:
    if kind == "full":
        return StorageError(f"The disk holding {path} is full; stepper cleared nothing.", hint=free_space_hint(path))
    if kind == "io":
        return StorageError(
            f"Reading {path} failed with a disk I/O error, which does not prove it corrupt; stepper cleared nothing.",
            hint=f"SQLite reports a full disk this way too. {free_space_hint(path)} If space is not the cause, check "
            "the disk (dmesg).",
        )
    if kind == "locked":
        return StorageError(
            f"{path} is locked by another process; stepper cleared nothing.",
            hint="Stop running 'stepper worker' processes, then retry.",
        )
    return StorageError(f"Cannot read {path} ({kind}); stepper cleared nothing.",
                        hint="Check the owner and permissions of the file and its folder.")  # fmt: skip


def drop_unreadable(store: Store) -> int:
    """Delete every entry stepper cannot read (a job record, a metric, ...); return how many there were."""
    from ..errors import ForeignEntry

    dropped = 0
    while True:
        try:
            for _ in store.scan(""):
                pass
            return dropped
        except ForeignEntry as exc:
            store.delete(exc.key)
            dropped += 1


@dataclass(frozen=True)
class CacheEntry:
    """One commit's cache entry (`stepper cache show`): None when nothing is cached for it."""

    commit: str
    cache_key: str
    entry: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "cache_key": self.cache_key, "entry": self.entry}


@dataclass(frozen=True)
class Cleared:
    """What `stepper cache clear` removed: cached reports, and corrupt files deleted without opening them."""

    reports: int
    deleted_files: tuple[Path, ...] = ()
    unreadable: int = 0  # entries of another kind that could not be read, deleted

    def to_json(self) -> dict[str, Any]:
        files = [str(f) for f in self.deleted_files]
        return {"removed": self.reports, "deleted_files": files, "unreadable_removed": self.unreadable}

"""The default store: one owner-only SQLite file (diskcache, WAL) shared by the processes of one machine.

The file is made whole in a private temp folder and linked into place, so an existing `cache.db` always
holds stepper's tables: an empty one lost its data, and is reported (exit 7), never silently started afresh.
The file and its -wal/-shm companions are refused when they are links (see config/paths.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import diskcache
from diskcache.core import DBNAME, MODE_RAW, UNKNOWN

from ..config.paths import check_file, ensure_dir, tighten
from ..errors import StorageError
from .base import JSON, Store, Updater, Write, check_amount, check_key, check_ttl, counter_value, decode, encode
from .errors import guard, probe_empty
from .rows import read_rows, write_rows

# Entries stay in the database (no side files) and are never evicted: the ledger must not lose jobs.
_SETTINGS: dict[str, Any] = {
    "eviction_policy": "none",
    "disk_min_file_size": 2**30,
    "statistics": 0,
    "tag_index": 0,
}
_CLEAR_BATCH = 500


class _TextDisk(diskcache.Disk):  # type: ignore[misc]
    """Keep keys and values as SQLite text, and refuse to write or read anything pickled."""

    def put(self, key: Any) -> tuple[Any, bool]:
        if type(key) is not str:
            raise TypeError("store keys must be strings")
        result: tuple[Any, bool] = super().put(key)
        return result

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> tuple[Any, ...]:
        if type(value) is not str or len(value) >= self.min_file_size:
            raise TypeError("the files store keeps JSON text only")
        result: tuple[Any, ...] = super().store(value, read, key=key)
        return result

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode != MODE_RAW:
            raise StorageError("The store holds an entry that stepper did not write (not JSON text).")
        return super().fetch(mode, filename, value, read)


class _Cache(diskcache.Cache):  # type: ignore[misc]
    """diskcache's Cache whose set-up statements give up after the store's timeout, and skip what changes nothing.

    Opening a Cache writes its settings; diskcache retries those writes on a locked database for 60 s,
    1 ms apart, whatever the timeout. Here they back off to 50 ms and stop at the timeout, so a lock held by
    another process ends in a StorageError after `timeout` seconds, not in a minute of spinning.

    Those writes store the values already stored, each in its own transaction, and the connection that made
    them is closed at the end of the set-up, which checkpoints the log: three fsyncs on every open of the store
    (the git hook's included). A settings write whose value the table holds already is skipped.
    """

    setup_timeout = 10.0
    _stored: dict[str, Any] | None = None  # the Settings table as read before the first write of the set-up

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (what diskcache's own statements run on), for `store.rows`."""
        con: sqlite3.Connection = self._con
        return con

    @property
    def _sql_retry(self) -> Any:
        sql, give_up = self._sql, time.monotonic() + self.setup_timeout

        def execute(statement: str, *args: Any, **kwargs: Any) -> Any:
            if self._settled(statement, args):
                return sql("SELECT 1 WHERE 0")
            pause = 0.001
            while True:
                try:
                    return sql(statement, *args, **kwargs)
                except sqlite3.OperationalError as exc:
                    if str(exc) != "database is locked" or time.monotonic() >= give_up:
                        raise
                    time.sleep(pause)
                    pause = min(pause * 2, 0.05)

        return execute

    def _settled(self, statement: str, args: tuple[Any, ...]) -> bool:
        """Whether statement is a write of a setting to the value the Settings table holds already."""
        setting = _SETTING_WRITES.get(statement)
        if setting is None or not args:
            return False
        key, value = (args[0][1], args[0][0]) if setting == "update" else args[0]
        if self._stored is None:
            try:
                self._stored = dict(self._sql("SELECT key, value FROM Settings").fetchall())
            except sqlite3.OperationalError:  # a new file: no table yet
                return False
        if key in self._stored and (setting == "ignore" or self._stored[key] == value):
            return True
        self._stored[key] = value
        return False


# diskcache's writes of one setting, and where the key and value are in their arguments
_SETTING_WRITES = {
    "INSERT OR REPLACE INTO Settings VALUES (?, ?)": "replace",
    "INSERT OR IGNORE INTO Settings VALUES (?, ?)": "ignore",
    "UPDATE Settings SET value = ? WHERE key = ?": "update",
}


def _cache_class(timeout: float) -> type[_Cache]:
    return type("_Cache", (_Cache,), {"setup_timeout": timeout})


class FileStore(Store):
    """The store in `directory`/cache.db; `timeout` is how long a writer waits for the SQLite lock."""

    def __init__(self, directory: Path, *, timeout: float = 10.0) -> None:
        self.directory = directory
        self.path = directory / DBNAME
        self.timeout = timeout
        ensure_dir(directory)
        for companion in _companions(self.path):
            check_file(companion)
        old_umask = os.umask(0o077)  # sqlite gives -wal/-shm the database file's mode
        try:
            with self._guard():
                if not self.path.exists():
                    self._create()
                elif probe_empty(self.path):
                    raise StorageError(
                        f"The store at {self.path} is empty: the cached reports and job records it held are gone.",
                        hint="Restore the file from a backup, or run 'stepper cache clear' to start afresh.",
                    )
                self._cache = self._open(directory)
                self._tighten()
        finally:
            os.umask(old_umask)

    def _open(self, directory: Path) -> _Cache:
        cache: _Cache = _cache_class(self.timeout)(str(directory), timeout=self.timeout, disk=_TextDisk, **_SETTINGS)
        return cache

    def _create(self) -> None:
        """Build the database in a private temp folder, then link it in place (a racing creator's file wins)."""
        scratch = Path(tempfile.mkdtemp(prefix=".new-", dir=self.directory))
        try:
            self._open(scratch).close()
            with contextlib.suppress(FileExistsError):
                os.link(scratch / DBNAME, self.path)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def get(self, key: str) -> JSON | None:
        with self._guard():
            text = self._cache.get(check_key(key))
        return None if text is None else decode(text, key, str(self.path))

    def get_many(self, keys: Sequence[str]) -> dict[str, JSON]:
        checked, where = [check_key(key) for key in keys], str(self.path)
        with self._guard():
            rows = read_rows(self._cache.connection(), checked, self._fetch)
        return {key: decode(text, key, where) for key, (text, _) in rows.items() if text is not None}

    def _fetch(self, mode: int, filename: Any, value: Any) -> str:
        """A row's text as diskcache reads it (for `store.rows`)."""
        text: str = self._cache.disk.fetch(mode, filename, value, False)
        return text

    def put(self, key: str, value: JSON, ttl: float | None = None) -> None:
        text = encode(value)
        with self._guard():
            self._cache.set(check_key(key), text, expire=check_ttl(ttl))

    def delete(self, key: str) -> bool:
        with self._guard():
            return bool(self._cache.delete(check_key(key)))

    def update(self, key: str, fn: Updater, ttl: float | None = None) -> JSON | None:
        check_key(key)
        check_ttl(ttl)
        with self._guard(), self._cache.transact():  # BEGIN IMMEDIATE: one writer at a time
            return self._update_held(key, fn, ttl)

    def _update_held(self, key: str, fn: Updater, ttl: float | None) -> JSON | None:
        """The read-modify-write of `update`, inside a transaction the caller holds."""
        text = self._cache.get(key)
        new = fn(None if text is None else decode(text, key, str(self.path)))
        if new is None:
            self._cache.delete(key)
        else:
            self._cache.set(key, encode(new), expire=ttl)
        return new

    def add(self, key: str, value: JSON, ttl: float | None = None) -> bool:
        text = encode(value)
        with self._guard():
            return bool(self._cache.add(check_key(key), text, expire=check_ttl(ttl)))

    def incr(self, key: str, amount: float = 1.0) -> float:
        check_key(key)
        delta = check_amount(amount)
        with self._guard(), self._cache.transact():
            return self._incr_held(key, delta)

    def _incr_held(self, key: str, delta: float) -> float:
        """The counter increment of `incr`, inside a transaction the caller holds."""
        text, expire_time = self._cache.get(key, expire_time=True)
        total = counter_value(None if text is None else decode(text, key, str(self.path)), key) + delta
        expire = None if expire_time is None else max(expire_time - time.time(), 1e-3)
        self._cache.set(key, encode({"value": total}), expire=expire)
        return total

    def write_many(self, writes: Sequence[Write]) -> list[JSON | float | None]:
        """Every write in one SQLite transaction (one lock, one commit), written as rows (`store.rows`)."""
        staged = [
            Write(w.kind, check_key(w.key), w.value, w.fn, check_amount(w.amount), check_ttl(w.ttl)) for w in writes
        ]
        disk = self._cache.disk
        with self._guard(), self._cache.transact():
            return write_rows(
                self._cache.connection(), staged, lambda text: disk.store(text, False), self._fetch, str(self.path)
            )

    def scan(self, prefix: str) -> Iterator[tuple[str, JSON]]:
        for key in self._keys(prefix):
            value = self.get(key)
            if value is not None:
                yield key, value

    def clear(self, prefix: str = "") -> int:
        keys = self._keys(prefix)
        removed = 0
        with self._guard():
            for start in range(0, len(keys), _CLEAR_BATCH):
                with self._cache.transact():
                    removed += sum(bool(self._cache.delete(k)) for k in keys[start : start + _CLEAR_BATCH])
            self._cache.expire()
        return removed

    def close(self) -> None:
        with self._guard():
            self._cache.close()

    def describe(self) -> str:
        return f"files at {self.directory}"

    def _keys(self, prefix: str) -> list[str]:
        """Return the stored keys (live or expired) that start with prefix, in order."""
        found: list[str] = []
        with self._guard():
            for key in self._cache.iterkeys():  # sorted by key: stop once past the prefix
                if key.startswith(prefix):
                    found.append(key)
                elif key > prefix:
                    break
        return found

    def _tighten(self) -> None:
        """Make the database and its WAL files owner-only, whoever created them and with what umask."""
        for companion in _companions(self.path):
            tighten(companion)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Translate sqlite3, diskcache and OS errors into a StorageError naming the file (store/errors.py)."""
        with guard("store", str(self.path), timeout=self.timeout):
            yield


def _companions(path: Path) -> tuple[Path, ...]:
    return tuple(path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm"))

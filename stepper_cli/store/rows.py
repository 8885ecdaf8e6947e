"""A files-store batch (`Store.write_many`) written straight into diskcache's table, inside the caller's transaction.

diskcache reads a key with one statement and writes it with three, each through its Python layer: a range's
enqueue (400 writes) spent 20 ms there. A batch instead reads every key it updates or counts in one SELECT (as
`get_many` reads), works out each new value in order (an update sees the batch's earlier writes, a counter keeps
its expiry), then writes each key once with an upsert (executemany) and deletes the keys an update removed.
The rows are those diskcache writes for a JSON text value (`Disk.store`: raw, size 0, no file), so diskcache
reads them as its own; its triggers keep its count and size settings. Culling expired rows is left to
diskcache's own writes.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

from .base import JSON, Write, counter_value, decode, encode

_CHUNK = 500  # keys per SELECT (SQLite's limit on parameters is far above)
_UPSERT = (
    "INSERT INTO Cache(key, raw, store_time, expire_time, access_time, access_count, tag, size, mode, filename, value)"
    " VALUES (?, 1, ?, ?, ?, 0, NULL, ?, ?, ?, ?) ON CONFLICT(key, raw) DO UPDATE SET store_time = excluded.store_time,"
    " expire_time = excluded.expire_time, access_time = excluded.access_time, access_count = 0, tag = NULL,"
    " size = excluded.size, mode = excluded.mode, filename = excluded.filename, value = excluded.value"
)

Row = tuple[str | None, float | None]  # the stored text (None: absent) and its expiry
Store_ = Callable[[str], tuple[int, int, Any, Any]]  # diskcache's Disk.store for a text: size, mode, filename, value
Fetch = Callable[[int, Any, Any], str]  # diskcache's Disk.fetch of a row: the text


def write_rows(con: sqlite3.Connection, writes: Sequence[Write], store: Store_, fetch: Fetch, where: str) -> list[Any]:
    """Apply writes (keys and ttls already checked) in the transaction con holds; return what each stored."""
    now = time.time()
    rows = read_rows(con, sorted({w.key for w in writes if w.kind != "put"}), fetch, now)
    done: list[JSON | float | None] = []
    for w in writes:
        if w.kind == "put":
            rows[w.key] = (encode(w.value), _expiry(now, w.ttl))
            done.append(w.value)
            continue
        text, expire = rows.get(w.key, (None, None))
        new = w.after(None if text is None else decode(text, w.key, where))
        if w.kind == "update":
            rows[w.key] = (None if new is None else encode(new), _expiry(now, w.ttl))
            done.append(new)
        else:  # a counter keeps its expiry
            rows[w.key] = (encode(new or {}), expire)
            done.append(counter_value(new, w.key))
    written = {w.key for w in writes}
    upserts = [(key, now, expire, now, *store(text)) for key, (text, expire) in rows.items() if key in written and text]
    con.executemany(_UPSERT, upserts)
    con.executemany("DELETE FROM Cache WHERE key = ? AND raw = 1", [(k,) for k in written if rows[k][0] is None])
    return done


def read_rows(con: sqlite3.Connection, keys: Sequence[str], fetch: Fetch, now: float | None = None) -> dict[str, Row]:
    """The live rows of keys, as diskcache's get sees them (an expired row is absent): a SELECT per 500 keys."""
    now = time.time() if now is None else now
    found: dict[str, Row] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        cursor = con.execute(
            f"SELECT key, mode, filename, value, expire_time FROM Cache WHERE raw = 1 AND key IN ({marks})"
            " AND (expire_time IS NULL OR expire_time > ?)", (*chunk, now),
        )  # fmt: skip
        for key, mode, filename, value, expire in cursor:
            found[key] = (fetch(mode, filename, value), expire)
    return found


def _expiry(now: float, ttl: float | None) -> float | None:
    return None if ttl is None else now + ttl

"""The one translation boundary for storage failures: what SQLite, diskcache, Redis and huey raise becomes a
StorageError (exit 7) naming the file or server and the next step.

    foreign error                                            kind         next step
    sqlite3 SQLITE_BUSY, SQLITE_LOCKED; diskcache.Timeout    locked       retry; stop stray workers
    sqlite3 SQLITE_CORRUPT, SQLITE_NOTADB,
      SQLITE_IOERR_SHORT_READ (a truncated file or log)      corrupt      `stepper cache clear`
    sqlite3 SQLITE_FULL; OSError ENOSPC, EDQUOT              full         free space (never `cache clear`)
    sqlite3 SQLITE_IOERR (other extended codes); OSError EIO io           check the disk (never `cache clear`)
    sqlite3 SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM;
      OSError EACCES, EPERM, EROFS, ELOOP                    denied       owner, permissions, symlinks
    redis AuthenticationError                                auth         the password in queue.url
    redis NoPermissionError                                  acl          that user's ACL on the server
    redis ConnectionError, TimeoutError                      unreachable  is the server running
    anything else from sqlite3, redis or the OS              other        the reason as given

huey's storages raise their backend's own errors unchanged (sqlite3 for SqliteHuey, redis-py for
PriorityRedisHuey), so this table covers the queue as well as the store. SQLite errors are classified by
their result code (`sqlite_errorcode`, set by Python 3.11+), and by their message when raised without one.
Only `corrupt` (and an emptied file, see `probe`) is ever a reason to delete anything.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..config.paths import free_space_hint, home_error
from ..errors import StorageError

_CODES = {
    sqlite3.SQLITE_BUSY: "locked",
    sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_CORRUPT: "corrupt",
    sqlite3.SQLITE_NOTADB: "corrupt",
    sqlite3.SQLITE_FULL: "full",
    sqlite3.SQLITE_IOERR: "io",
    sqlite3.SQLITE_READONLY: "denied",
    sqlite3.SQLITE_CANTOPEN: "denied",
    sqlite3.SQLITE_PERM: "denied",
}
_SHORT_READ = getattr(sqlite3, "SQLITE_IOERR_SHORT_READ", 522)  # the file ends before a page it lists
_WORDS = (  # for errors raised without a result code; "disk I/O" before "disk is full" is not needed: disjoint
    ("locked", "locked"), ("busy", "locked"), ("not a database", "corrupt"), ("malformed", "corrupt"),
    ("corrupt", "corrupt"), ("full", "full"), ("i/o", "io"), ("readonly", "denied"),
    ("unable to open", "denied"), ("permission", "denied"),
)  # fmt: skip
_ERRNOS = {
    errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EIO: "io", errno.EACCES: "denied", errno.EPERM: "denied",
    errno.EROFS: "denied", errno.ELOOP: "denied",
}  # fmt: skip
_FOREIGN = ("redis", "diskcache", "huey")
LOST = {"store": "cached reports and job records are lost", "queue": "queued jobs are lost"}


def classify(exc: BaseException) -> str:
    """Name the kind of a storage failure (a row of the table above)."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == _SHORT_READ:
            return "corrupt"
        if isinstance(code, int) and code & 0xFF in _CODES:
            return _CODES[code & 0xFF]
        text = str(exc).lower()
        return next((kind for word, kind in _WORDS if word in text), "other")
    if isinstance(exc, OSError):
        return _ERRNOS.get(exc.errno or 0, "other")
    name = type(exc).__name__
    if name == "Timeout" and type(exc).__module__.startswith("diskcache"):
        return "locked"
    if type(exc).__module__.startswith("redis"):
        if name == "AuthenticationError" or any(w in str(exc).upper() for w in ("NOAUTH", "WRONGPASS")):
            return "auth"
        if name == "NoPermissionError":
            return "acl"
        if name in ("ConnectionError", "TimeoutError", "BusyLoadingError") or name.endswith("ConnectionError"):
            return "unreachable"
    return "other"


def translate(exc: BaseException, subject: str, where: str, *, timeout: float = 10.0, secret: str = "") -> StorageError:
    """The StorageError for exc raised by the `subject` ("store" or "queue") at `where` (a path or masked URL)."""
    kind = classify(exc)
    reason = str(exc).rstrip(".") or type(exc).__name__
    if secret:
        reason = reason.replace(secret, "***")
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error) and kind != "full":
        return home_error(Path(where), exc, subject)
    if kind == "locked":
        return StorageError(
            f"The {subject} at {where} stayed locked for more than {timeout:g} s.",
            hint="Another stepper process may be stuck: try again, or stop stray 'stepper worker' processes.",
        )
    if kind == "corrupt":
        return StorageError(
            f"The {subject} at {where} is corrupt ({reason}).",
            hint=f"Run 'stepper cache clear' to start afresh ({LOST.get(subject, 'its content is lost')}).",
        )
    if kind == "full":
        return StorageError(f"The disk holding {where} is full.", hint=free_space_hint(Path(where)))
    if kind == "io":
        return StorageError(
            f"Reading or writing {where} failed with a disk I/O error ({reason}).",
            hint="Check the disk and its free space (df, dmesg); stepper deleted nothing.",
        )
    if kind == "denied":
        return StorageError(
            f"Cannot open the {subject} at {where} for writing ({reason}).",
            hint="Check the owner and permissions of the file and its folder.",
        )
    if kind == "auth":
        return StorageError(f"Redis at {where} refused to authenticate: {reason}",
                            hint="Check the user and password in queue.url.")  # fmt: skip
    if kind == "unreachable":
        return StorageError(f"Cannot reach Redis at {where}: {reason}",
                            hint="Check that the server is running and that queue.url points at it.")  # fmt: skip
    hint = "Check the user and password in queue.url, and that user's ACL on the Redis server." if kind == "acl" else ""
    return StorageError(f"The {subject} at {where} failed: {reason}.", hint=hint)


def is_foreign_storage_error(exc: BaseException) -> bool:
    """Whether exc comes from a storage library this module translates (not a bug of stepper's own)."""
    if isinstance(exc, sqlite3.Error | OSError):
        return True
    return type(exc).__module__.split(".")[0] in _FOREIGN and not isinstance(exc, StorageError)


@contextlib.contextmanager
def guard(subject: str, where: str, *, timeout: float = 10.0, secret: str = "") -> Iterator[None]:
    """Translate every storage failure raised inside the block (see the table above)."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:
        if not is_foreign_storage_error(exc):
            raise
        raise translate(exc, subject, where, timeout=timeout, secret=secret) from exc


def probe(path: Path, timeout: float = 10.0) -> str | None:
    """Check a SQLite file without changing it: None when absent or sound, "empty" when emptied, else a kind.

    A file stepper created always holds its tables (`create_sqlite` makes it whole, then links it in place), so
    a 0-byte file with no write-ahead log content is one whose data was lost. "corrupt" is said only when
    SQLite itself reports damage; a lock, a full disk or an I/O error is not proof of anything.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        return classify(exc)
    if size == 0 and probe_empty(path):
        return "empty"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)
        try:
            rows = conn.execute("pragma quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return classify(exc)
    return None if rows == [("ok",)] else "corrupt"


def probe_empty(path: Path) -> bool:
    """Whether an existing SQLite file and its write-ahead log hold nothing at all (its data was lost)."""
    try:
        if path.stat().st_size:
            return False
        return path.with_name(path.name + "-wal").stat().st_size == 0
    except FileNotFoundError:
        return path.exists()

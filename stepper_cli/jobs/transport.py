"""The queue: huey messages as JSON (never pickles), a lean push for the git-hook path, and the huey instance.

SqliteHuey in STEPPER_HOME/queue.db (WAL, busy timeout) by default; PriorityRedisHuey for redis:// URLs.
A message says "run job <id>"; the job itself lives in the ledger. huey is imported only by `open_huey`,
so `push` onto the local queue costs one SQLite insert and no huey import (huey pulls in redis-py).

Beyond huey's public API this module relies on two private details, both held by tests/test_store_huey.py
and by the huey version range in pyproject.toml: the `task` table that `push_many` inserts into (what
SqliteStorage.enqueue writes), and SqliteStorage._create_connection (to set synchronous=NORMAL, which the
public `fsync` option cannot). Errors are translated by store/errors.py; queue.db is created whole and
linked in place like the store, and is refused when it is a link.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config.paths import check_file, stepper_home, tighten
from ..errors import StorageError
from ..store import errors

QUEUE_NAME = "stepper"
TASK_NAME = f"{__name__}.run_job"  # huey's registry name of the task `register` defines
BUSY_TIMEOUT = 10.0
_FIELDS = ("id", "name", "eta", "retries", "retry_delay", "priority", "args", "kwargs", "on_complete",
           "on_error", "expires", "expires_resolved", "timeout", "chord_config", "retry_backoff")  # fmt: skip
_TIMES = ("eta", "expires_resolved")


def queue_file(home: Path | None = None) -> Path:
    """The local queue's SQLite file."""
    return (home if home is not None else stepper_home()) / "queue.db"


def encode_message(job_id: str, priority: int = 0) -> bytes:
    """The JSON of a huey message that runs one job (what JsonSerializer writes for the same task)."""
    fields: dict[str, Any] = dict.fromkeys(_FIELDS)
    fields.update(id=os.urandom(8).hex(), name=TASK_NAME, retries=0, retry_delay=0, priority=priority,
                  args=[job_id], kwargs={})  # fmt: skip
    return json.dumps(fields, separators=(",", ":")).encode()


def message_job(data: bytes) -> str | None:
    """The job id a message carries, or None for a message that is not stepper's."""
    try:
        args = json.loads(data).get("args")
    except (ValueError, AttributeError):
        return None
    return args[0] if isinstance(args, list) and args and isinstance(args[0], str) else None


class JsonSerializer:
    """huey's serializer interface over JSON: messages carry only strings, numbers and times."""

    def serialize(self, message: Any) -> bytes:
        fields = message._asdict()
        if any(fields.get(k) is not None for k in ("on_complete", "on_error", "chord_config")):
            raise TypeError("stepper's queue carries single tasks only")
        for name in _TIMES:
            if fields.get(name) is not None:
                fields[name] = fields[name].isoformat()
        fields["args"] = list(fields["args"] or ())
        return json.dumps(fields, separators=(",", ":")).encode()

    def deserialize(self, data: bytes) -> Any:
        from huey.registry import Message

        fields = json.loads(data)
        for name in _TIMES:
            if fields.get(name) is not None:
                fields[name] = datetime.fromisoformat(fields[name])
        fields["args"] = tuple(fields.get("args") or ())
        return Message(**{k: fields.get(k) for k in _FIELDS})


def push(url: str, job_id: str, priority: int = 0, huey: Any = None) -> None:
    """Put a "run job" message on the queue (through huey when given one, else the leanest way)."""
    if huey is None and not url:
        push_many(url, [(job_id, priority)])
        return
    target = huey if huey is not None else open_huey(url)
    with guard(url):
        target.storage.enqueue(encode_message(job_id, priority), priority)


def push_many(url: str, messages: list[tuple[str, int]]) -> None:
    """Put many "run job" messages (job id, priority) on the queue at once: one SQLite transaction (a range's
    200 jobs cost one commit, not 200), or one huey for Redis.

    The local queue is written as huey's SqliteStorage.enqueue writes it, without importing huey (huey itself
    creates the file the first time), at synchronous=NORMAL like the worker's connection (`_sqlite_storage`):
    the commit waits for no fsync.
    """
    if url:
        huey = open_huey(url)
        for job_id, priority in messages:
            push(url, job_id, priority, huey)
        return
    path = queue_file()
    _check_local(path)
    if not path.exists():
        open_huey("")  # huey creates its tables
    rows = [(QUEUE_NAME, encode_message(job_id, priority), priority) for job_id, priority in messages]
    with guard(""):
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
        try:
            conn.execute("pragma synchronous=NORMAL")
            with conn:  # one transaction: all of them or none
                conn.executemany("insert into task (queue, data, priority) values (?, ?, ?)", rows)
        finally:
            conn.close()


def open_huey(url: str) -> Any:
    """The huey instance for queue.url ("" for SQLite under STEPPER_HOME)."""
    options: dict[str, Any] = {"results": False, "serializer": JsonSerializer()}
    if url:
        from huey import PriorityRedisHuey

        from ..config.urls import check_url
        from ..store import URL_EXAMPLE

        check_url(url, "queue.url", URL_EXAMPLE)
        with guard(url):
            return PriorityRedisHuey(QUEUE_NAME, url=url, read_timeout=1, **options)
    path = queue_file()
    _check_local(path)
    old = os.umask(0o077)
    try:
        with guard(""):
            if not path.exists():
                _create_local(path, options)
            huey = _sqlite_huey(path, options)
    finally:
        os.umask(old)
    for companion in _companions(path):
        tighten(companion)
    return huey


def _sqlite_huey(path: Path, options: dict[str, Any]) -> Any:
    from huey import SqliteHuey

    return SqliteHuey(QUEUE_NAME, filename=str(path), timeout=BUSY_TIMEOUT, journal_mode="wal",
                      storage_class=_sqlite_storage(), **options)  # fmt: skip


def _create_local(path: Path, options: dict[str, Any]) -> None:
    """Build queue.db in a private temp folder, then link it in place (a racing creator's file wins)."""
    scratch = Path(tempfile.mkdtemp(prefix=".new-queue-", dir=path.parent))
    try:
        _sqlite_huey(scratch / path.name, options).storage.close()
        with contextlib.suppress(FileExistsError):
            os.link(scratch / path.name, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _check_local(path: Path) -> None:
    """Refuse links at queue.db and its WAL files, and an emptied queue.db (never start afresh over it)."""
    for companion in _companions(path):
        check_file(companion)
    if errors.probe_empty(path):
        raise StorageError(
            f"The queue at {path} is empty: the messages it held are gone.",
            hint="Run 'stepper cache clear' to start afresh; the job ledger puts queued jobs back on the queue.",
        )


def _companions(path: Path) -> tuple[Path, ...]:
    return tuple(path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm"))


class Deferred(Exception):
    """Raised by a job runner: run this job again in `delay` seconds (huey's schedule keeps it till then)."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"deferred for {delay:g} s")
        self.delay = delay


@functools.cache
def _sqlite_storage() -> type:
    """huey's SQLite storage at synchronous=NORMAL rather than FULL.

    Every dequeue and revoke check is a commit; FULL makes each wait for an fsync while holding the storage's
    one lock, which caps a worker's throughput. In WAL mode NORMAL survives any process crash; a power cut
    may undo the last commits, and the ledger's recovery puts back a job whose message was lost.
    """
    from huey.storage import SqliteStorage

    class Storage(SqliteStorage):  # type: ignore[misc]
        def _create_connection(self) -> sqlite3.Connection:
            conn: sqlite3.Connection = super()._create_connection()
            conn.execute("pragma synchronous=NORMAL")
            return conn

    return Storage


def register(huey: Any, runner: Callable[[str], None]) -> Any:
    """Register the task that runs one job id (named TASK_NAME) and return it."""

    def run_job(job_id: str) -> None:
        try:
            runner(job_id)
        except Deferred as exc:
            from huey.exceptions import RetryTask

            raise RetryTask(delay=exc.delay) from exc

    return huey.task(name="run_job")(run_job)


def waiting_jobs(huey: Any, url: str = "") -> set[str]:
    """Job ids with a message on the queue (at url) or in huey's schedule (rate-limited retries)."""
    with guard(url):
        items = [*huey.storage.enqueued_items(), *huey.storage.scheduled_items()]
    return {job for job in map(message_job, items) if job is not None}


def remove_local_queue(home: Path | None = None) -> bool:
    """Delete the local queue file (and its WAL files) without opening it; return whether it existed."""
    path = queue_file(home)
    existed = path.exists()
    for companion in _companions(path):
        with contextlib.suppress(FileNotFoundError):
            companion.unlink()
    return existed


@contextlib.contextmanager
def guard(url: str) -> Iterator[None]:
    """Translate SQLite and Redis errors of the queue into a StorageError naming the file or server."""
    from urllib.parse import urlsplit

    from ..config.urls import mask_url

    where = mask_url(url) if url else str(queue_file())
    secret = (urlsplit(url).password or "") if url else ""
    with errors.guard("queue", where, timeout=BUSY_TIMEOUT, secret=secret):
        yield

"""The huey details stepper relies on beyond huey's public API, held so that a huey release changing them
fails here first (pyproject.toml pins huey to the range these tests were run against).

- the lean push inserts into huey's `task` table (what SqliteStorage.enqueue writes) without importing huey;
- SqliteStorage._create_connection is where the queue sets synchronous=NORMAL (huey's public `fsync`
  option offers only FULL or OFF);
- Consumer._signal_actions maps a signal to (restart, graceful), so both SIGINT and SIGTERM can mean
  "finish what is running, then stop" (huey's public `graceful_signal` makes only one of them graceful).
"""

from __future__ import annotations

import signal
import sqlite3
import tomllib
from collections.abc import Iterator
from pathlib import Path

import huey
import pytest
from huey.consumer import Consumer
from huey.storage import SqliteStorage

from stepper_cli.jobs import transport as queue
from stepper_cli.jobs.worker import _Consumer

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_huey_is_inside_the_pinned_range() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (pin,) = [d for d in deps if d.startswith("huey")]
    low, high = (part.split("=")[-1].lstrip("<") for part in pin.removeprefix("huey").split(","))
    version = tuple(int(x) for x in huey.__version__.split(".")[:2])
    assert "<" in pin and tuple(map(int, low.split(".")[:2])) <= version < tuple(map(int, high.split(".")[:2]))


def test_a_lean_push_lands_in_the_table_huey_dequeues_from(isolated_env: Path) -> None:
    assert [c.split(" (")[0] for c in SqliteStorage.ddl if "table if not exists task" in c] == [
        "create table if not exists task"
    ]
    queue.push("", "job-lean", priority=3)  # no huey instance: the direct SQLite insert
    storage = queue.open_huey("").storage
    assert storage.queue_size() == 1
    assert queue.message_job(storage.dequeue()) == "job-lean"


def test_the_queue_connection_runs_at_synchronous_normal(isolated_env: Path) -> None:
    storage = queue.open_huey("").storage
    assert "_create_connection" in SqliteStorage.__dict__
    assert storage.conn.execute("pragma synchronous").fetchone()[0] == 1
    assert storage.conn.execute("pragma journal_mode").fetchone()[0] == "wal"


@pytest.fixture
def handlers() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_huey_reads_its_signal_table_and_both_signals_stop_gracefully(isolated_env: Path, handlers: None) -> None:
    plain = Consumer(queue.open_huey(""), workers=1, worker_type="thread")
    assert isinstance(plain._signal_actions, dict)
    assert all(isinstance(v, tuple) and len(v) == 2 for v in plain._signal_actions.values())
    for sig in (signal.SIGINT, signal.SIGTERM):
        consumer = _Consumer(queue.open_huey(""), workers=1, worker_type="thread")
        consumer._set_signal_handlers()
        assert signal.getsignal(sig) == consumer._handle_signal
        consumer._handle_signal(sig, None)
        assert (consumer._restart, consumer._graceful) == (False, True)
        assert consumer._signum == sig


def test_huey_storage_errors_are_the_backend_errors_the_translator_maps(isolated_env: Path) -> None:
    path = isolated_env / "queue.db"
    storage = queue.open_huey("").storage
    storage.close()
    path.write_bytes(b"not a database" * 400)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    with pytest.raises(sqlite3.DatabaseError):
        SqliteStorage(queue.QUEUE_NAME, filename=str(path)).enqueue(b"x")

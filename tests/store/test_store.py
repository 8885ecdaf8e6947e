"""The store's behaviour, one suite run against both backends (local files and a real redis-server)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from stepper_cli.errors import ConfigError, StorageError
from stepper_cli.store import JSON, Store, local_store_dir, open_store, remove_local_store

if TYPE_CHECKING:
    from tests.support.redis_server import RedisServer

pytest_plugins = ["tests.support.redis_server"]  # the `redis_server` fixture

TTL = 0.3  # short enough to wait out, long enough to outlast a few calls on a busy machine
PAST_TTL = 0.7
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Backend:
    name: str
    url: str
    home: Path

    def open(self, **options: Any) -> Store:
        return open_store(self.url, self.home, **options)


@pytest.fixture(params=["files", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "files":
        yield Backend("files", "", tmp_path)
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    backend = Backend("redis", server.url, tmp_path)
    with backend.open() as store:
        store.clear()
    yield backend
    with backend.open() as store:
        store.clear()


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    with backend.open() as store:
        yield store


def bump(value: JSON | None) -> JSON:
    return {"n": (value or {"n": 0})["n"] + 1}


# --- basics ---------------------------------------------------------------------------------------


def test_a_stored_value_reads_back_equal(store: Store) -> None:
    value = {"title": "Fix café", "changes": ["a", "b"], "n": 3, "ok": True, "none": None, "x": 1.5}
    store.put("report:abc", value)
    assert store.get("report:abc") == value


def test_a_missing_key_reads_as_none(store: Store) -> None:
    assert store.get("nothing") is None


def test_put_replaces_and_delete_says_whether_it_removed(store: Store) -> None:
    store.put("k", {"v": 1})
    store.put("k", {"v": 2})
    assert store.get("k") == {"v": 2}
    assert store.delete("k") is True
    assert store.delete("k") is False
    assert store.get("k") is None


@pytest.mark.parametrize("bad", [object(), [1, 2], "text", {"n": float("nan")}, {"s": {1, 2}}])
def test_only_json_objects_can_be_stored(store: Store, bad: Any) -> None:
    with pytest.raises(TypeError):
        store.put("k", bad)
    with pytest.raises(TypeError):
        store.add("k", bad)
    with pytest.raises(TypeError):
        store.update("k", lambda _: bad)
    assert store.get("k") is None


@pytest.mark.parametrize("ttl", [0, -1, float("inf"), float("nan")])
def test_a_ttl_must_be_a_positive_number_of_seconds(store: Store, ttl: float) -> None:
    with pytest.raises(ValueError):
        store.put("k", {}, ttl=ttl)


def test_describe_names_the_backend(store: Store, backend: Backend) -> None:
    expected = str(local_store_dir(backend.home)) if backend.name == "files" else backend.url
    assert expected in store.describe()


# --- update, add, incr ----------------------------------------------------------------------------


def test_update_stores_what_fn_returns_and_none_deletes(store: Store) -> None:
    seen: list[JSON | None] = []

    def record_and_bump(value: JSON | None) -> JSON:
        seen.append(value)
        return bump(value)

    assert store.update("count", record_and_bump) == {"n": 1}
    assert store.update("count", record_and_bump) == {"n": 2}
    assert seen[0] is None and seen[-1] == {"n": 1}
    assert store.update("count", lambda _: None) is None
    assert store.get("count") is None


def test_update_that_raises_leaves_the_value_alone(store: Store) -> None:
    store.put("k", {"v": 1})

    def explode(value: JSON | None) -> JSON:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        store.update("k", explode)
    assert store.get("k") == {"v": 1}


def test_add_stores_only_when_the_key_is_absent(store: Store) -> None:
    assert store.add("lock", {"owner": "a"}) is True
    assert store.add("lock", {"owner": "b"}) is False
    assert store.get("lock") == {"owner": "a"}


def test_incr_counts_from_zero_and_accepts_fractions(store: Store) -> None:
    assert store.incr("hits") == 1.0
    assert store.incr("hits", 2) == 3.0
    assert store.incr("hits", 0.5) == 3.5
    assert store.incr("hits", -1.5) == 2.0
    assert store.get("hits") == {"value": 2}


def test_incr_refuses_a_value_that_is_not_a_counter(store: Store) -> None:
    store.put("doc", {"title": "x"})
    with pytest.raises(TypeError, match="not a counter"):
        store.incr("doc")
    assert store.get("doc") == {"title": "x"}


# --- expiry ---------------------------------------------------------------------------------------


def test_expired_entries_are_invisible_everywhere(store: Store) -> None:
    store.put("t:counter", {"value": 5}, ttl=TTL)
    store.incr("t:counter")  # keeps the expiry
    for key in ("t:get", "t:scan", "t:update", "t:add"):
        store.put(key, {"old": True}, ttl=TTL)
    store.put("t:long", {"long": True}, ttl=60)
    store.put("t:kept", {"kept": True}, ttl=TTL)
    store.put("t:kept", {"kept": True})  # a put without ttl clears the earlier expiry

    time.sleep(PAST_TTL)

    assert store.get("t:get") is None
    assert [k for k, _ in store.scan("t:")] == ["t:kept", "t:long"]
    assert store.update("t:update", lambda v: {"saw": v}) == {"saw": None}
    assert store.add("t:add", {"new": True}) is True
    assert store.incr("t:counter") == 1
    assert store.delete("t:scan") is False


def test_get_many_reads_live_values_and_leaves_out_the_rest(store: Store) -> None:
    store.put("m:a", {"a": 1})
    store.put("m:short", {"short": True}, ttl=TTL)
    store.put("m:b", {"b": 2})
    assert store.get_many([]) == {}
    assert store.get_many(["m:b", "m:none", "m:a", "m:short"]) == {
        "m:a": {"a": 1},
        "m:b": {"b": 2},
        "m:short": {"short": True},
    }
    time.sleep(PAST_TTL)
    assert store.get_many(["m:short", "m:a"]) == {"m:a": {"a": 1}}


def test_a_batch_keeps_expiry_as_single_writes_do(store: Store) -> None:
    from stepper_cli.store.base import Write

    store.put("b:counter", {"value": 5}, ttl=TTL)
    store.put("b:gone", {"old": True}, ttl=TTL)
    store.put("b:kept", {"kept": True}, ttl=TTL)
    store.put("b:dropped", {"x": 1})
    done = store.write_many([
        Write.incr("b:counter"),  # keeps its expiry
        Write.put("b:kept", {"kept": True}),  # a put without ttl clears it
        Write.update("b:new", lambda v: {"saw": v}, ttl=TTL),
        Write.update("b:dropped", lambda v: None),
        Write.update("b:dropped", lambda v: {"after": v}),  # sees the delete before it
    ])  # fmt: skip
    assert done == [6.0, {"kept": True}, {"saw": None}, None, {"after": None}]
    assert store.get("b:new") == {"saw": None} and store.get("b:counter") == {"value": 6.0}

    time.sleep(PAST_TTL)

    assert [k for k, _ in store.scan("b:")] == ["b:dropped", "b:kept"]
    assert store.write_many([Write.update("b:gone", lambda v: {"saw": v}), Write.incr("b:counter")]) == [
        {"saw": None},
        1.0,
    ]


# --- scan and clear -------------------------------------------------------------------------------


def test_scan_yields_live_keys_with_the_prefix_in_key_order(store: Store) -> None:
    for key in ("job:2", "job:1", "jobs", "report:1", "job:[x]*"):
        store.put(key, {"key": key})
    assert [k for k, _ in store.scan("job:")] == ["job:1", "job:2", "job:[x]*"]
    assert dict(store.scan("job:["))["job:[x]*"] == {"key": "job:[x]*"}
    assert len(list(store.scan(""))) == 5


def test_clear_removes_only_keys_with_the_prefix(store: Store) -> None:
    for key in ("cache:1", "cache:2", "job:1"):
        store.put(key, {})
    assert store.clear("cache:") == 2
    assert [k for k, _ in store.scan("")] == ["job:1"]
    assert store.clear() == 1
    assert list(store.scan("")) == []


# --- many processes -------------------------------------------------------------------------------

WRITER = """
import json, os, sys, time
from pathlib import Path
from stepper_cli.store import open_store

url, home, count, flags = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
store = open_store(url, home)
(flags / f"ready-{os.getpid()}").touch()
while not (flags / "go").exists():
    time.sleep(0.002)
won = store.add("winner", {"pid": os.getpid()})
for _ in range(count):
    store.update("total", lambda v: {"n": (v or {"n": 0})["n"] + 1})
    store.incr("hits")
print(json.dumps({"won": won}))
"""


def run_writers(backend: Backend, processes: int, count: int, tmp_path: Path) -> list[dict[str, Any]]:
    """Start processes together, each adding 'winner' once and bumping two counters count times."""
    flags = tmp_path / "flags"
    flags.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-c", WRITER, backend.url, str(backend.home), str(count), str(flags)]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(processes)]
    deadline = time.monotonic() + 60
    while len(list(flags.glob("ready-*"))) < processes and time.monotonic() < deadline:
        if any(p.poll() for p in procs):
            break
        time.sleep(0.01)
    (flags / "go").touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        results.append(json.loads(out))
    return results


def check_writers(backend: Backend, processes: int, count: int, tmp_path: Path) -> None:
    results = run_writers(backend, processes, count, tmp_path)
    assert sum(r["won"] for r in results) == 1
    with backend.open() as store:
        assert store.get("total") == {"n": processes * count}
        assert store.get("hits") == {"value": processes * count}


def test_update_add_and_incr_are_atomic_across_processes(backend: Backend, tmp_path: Path) -> None:
    check_writers(backend, processes=8, count=50, tmp_path=tmp_path)


@pytest.mark.slow
def test_fifty_processes_writing_at_once_all_land(backend: Backend, tmp_path: Path) -> None:
    check_writers(backend, processes=50, count=10, tmp_path=tmp_path)


# --- opening --------------------------------------------------------------------------------------


def test_importing_the_store_loads_no_backend_library() -> None:
    heavy = "('diskcache', 'redis', 'sqlite3')"
    code = f"import sys, stepper_cli.store; print([m for m in {heavy} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:pw@db.example:6380/2", "redis://:***@db.example:6380/2"),
        ("rediss://ada:pw@db.example/0", "rediss://ada:***@db.example/0"),
        ("redis://pw@db.example", "redis://***@db.example"),
        ("redis://db.example:6379/1", "redis://db.example:6379/1"),
    ],
)
def test_redis_urls_are_described_with_the_password_masked(url: str, shown: str) -> None:
    with open_store(url) as store:  # connects lazily, so no server is needed
        assert store.describe() == shown


def test_an_unknown_url_scheme_is_a_config_error_naming_queue_url() -> None:
    with pytest.raises(ConfigError) as err:
        open_store("http://user:hunter2@example.com/")
    assert "queue.url" in str(err.value)
    assert "hunter2" not in str(err.value)


# --- files backend --------------------------------------------------------------------------------


def test_files_are_owner_only_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with open_store("", tmp_path) as store:
            store.put("k", {"v": 1})
            directory = local_store_dir(tmp_path)
            names = sorted(p.name for p in directory.iterdir())
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()}
    finally:
        os.umask(old)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert {"cache.db", "cache.db-wal", "cache.db-shm"} <= set(names)
    assert set(modes.values()) == {0o600}


def test_files_hold_plain_json_text_not_pickles(tmp_path: Path) -> None:
    with open_store("", tmp_path) as store:
        store.put("k", {"v": [1, 2]})
        with sqlite3.connect(local_store_dir(tmp_path) / "cache.db") as db:
            rows = db.execute("SELECT key, value FROM Cache").fetchall()
    assert rows == [("k", '{"v":[1,2]}')]


def test_a_corrupt_store_file_is_a_storage_error_naming_it(tmp_path: Path) -> None:
    directory = local_store_dir(tmp_path)
    directory.mkdir(parents=True)
    (directory / "cache.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError) as err:
        open_store("", tmp_path).get("k")
    assert str(directory / "cache.db") in str(err.value)
    assert "stepper cache clear" in err.value.hint
    assert remove_local_store(tmp_path) is True
    with open_store("", tmp_path) as store:
        store.put("k", {"v": 1})
        assert store.get("k") == {"v": 1}


def test_a_store_locked_past_the_timeout_is_a_storage_error(tmp_path: Path) -> None:
    with open_store("", tmp_path, timeout=0.2) as store:
        store.put("k", {"v": 1})
        holder = sqlite3.connect(local_store_dir(tmp_path) / "cache.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            assert store.get("k") == {"v": 1}  # WAL readers are not blocked by a writer
            with pytest.raises(StorageError, match="locked") as err:
                store.update("k", lambda v: {"v": 2})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert str(local_store_dir(tmp_path)) in str(err.value)
        assert store.get("k") == {"v": 1}


# --- redis backend --------------------------------------------------------------------------------


@pytest.mark.redis
def test_redis_keys_live_under_the_stepper_namespace(redis_server: RedisServer) -> None:
    import redis

    with open_store(redis_server.url) as store:
        store.clear()
        store.put("k", {"v": 1})
        store.incr("c")
    raw = redis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        assert sorted(raw.keys("*")) == ["stepper:c", "stepper:k"]
        assert raw.get("stepper:k") == '{"v":1}'
    finally:
        raw.delete("stepper:c", "stepper:k")
        raw.close()


@pytest.mark.redis
def test_redis_down_is_a_storage_error_that_masks_the_password() -> None:
    from tests.support.redis_server import free_port

    url = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"
    with open_store(url, timeout=1) as store, pytest.raises(StorageError) as err:
        store.get("k")
    shown = f"{err.value} {err.value.hint} {store.describe()}"
    assert "s3cret-pw" not in shown
    assert "127.0.0.1" in str(err.value) and "***" in str(err.value)


@pytest.mark.redis
def test_a_wrong_redis_password_is_a_storage_error_without_the_password(redis_server: RedisServer) -> None:
    import redis

    admin = redis.Redis.from_url(redis_server.url)
    admin.config_set("requirepass", "right-pw")
    try:
        url = redis_server.url.replace("redis://", "redis://:s3cret-pw@")
        with open_store(url, timeout=1) as store, pytest.raises(StorageError) as err:
            store.put("k", {"v": 1})
    finally:
        admin.config_set("requirepass", "")
        admin.close()
    assert "s3cret-pw" not in f"{err.value} {err.value.hint}"
    assert "authenticate" in str(err.value)


@pytest.mark.redis
def test_a_restarted_redis_server_is_reconnected_on_the_next_call(redis_server: RedisServer) -> None:
    with open_store(redis_server.url) as store:
        store.put("before", {"v": 1})
        redis_server.restart()
        assert store.get("before") is None  # no persistence: the restart lost it, but the call works
        store.put("after", {"v": 2})
        assert store.get("after") == {"v": 2}
        assert store.update("count", bump) == {"n": 1}
        assert store.incr("c") == 1
        store.clear()


def test_redis_without_the_package_asks_to_install_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(StorageError) as err:
        open_store("redis://127.0.0.1:1/0")
    assert "'.[redis]'" in err.value.hint


def test_opening_an_existing_files_store_writes_nothing_but_a_changed_setting(tmp_path: Path) -> None:
    from stepper_cli.store.files import FileStore

    FileStore(tmp_path).close()
    db = tmp_path / "cache.db"
    before = (db.stat().st_mtime_ns, db.read_bytes())
    time.sleep(0.02)
    with FileStore(tmp_path) as store:
        assert store.get("nothing") is None
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before  # no transaction, so no checkpoint either
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("update Settings set value = 'lru' where key = 'eviction_policy'")
    FileStore(tmp_path).close()  # a setting that differs from stepper's is written back
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("select value from Settings where key = 'eviction_policy'").fetchall() == [("none",)]

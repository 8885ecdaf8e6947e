"""Bad input: a malformed queue URL, and state files that lost their content.

A `queue.url` that cannot be parsed is a configuration error (exit 4) naming the key on every command that
opens the store, never a traceback. A `cache.db` or `queue.db` emptied to 0 bytes is reported (exit 7) and
left as found, never silently started afresh: the ledger it held is gone, and the user must hear so.
`cache clear` is then the way out the message names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.queuekit import jobs

COMMANDS = (("report",), ("enqueue",), ("status",), ("worker", "--burst"), ("cache", "stats"), ("metrics",),
            ("cache", "clear"))  # fmt: skip


@pytest.mark.parametrize("url", ["redis://[::1:1/0", "redis://:pw@[::1/0", "redis://localhost:99999/0"])
def test_a_malformed_queue_url_is_a_config_error_naming_the_key(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    config = tmp_path / "config.toml"
    config.write_text(f'[queue]\nurl = "{url}"\n')
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    for args in (*COMMANDS, ("config", "show")):
        out = stepper(*args, cwd=repo.path)
        assert out.code == 4 and "queue.url" in out.err and "URL" in out.err, (args, out)
        assert "Traceback" not in out.err and ":pw@" not in out.err and len(out.err.splitlines()) <= 2


def test_a_store_opened_with_a_malformed_url_by_a_library_caller_is_a_config_error() -> None:
    from stepper_cli.errors import ConfigError
    from stepper_cli.store import open_store

    with pytest.raises(ConfigError, match=r"queue\.url") as refused:
        open_store("redis://:pw@[::1/0")
    assert ":pw@" not in str(refused.value)


def test_a_malformed_queue_url_from_the_environment_is_a_config_error(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    monkeypatch.setenv("STEPPER_QUEUE__URL", "redis://[::1:1/0")
    out = stepper("enqueue", cwd=repo.path)
    assert out.code == 4 and "queue.url" in out.err and "Traceback" not in out.err, out


@pytest.fixture
def queued(repo: GitRepo) -> GitRepo:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    assert stepper("enqueue", cwd=repo.path).code == 0
    assert len(jobs()) == 1
    return repo


def empty(path: Path) -> None:
    """Truncate a SQLite file to 0 bytes, as a crashed copy or a careless `> file` leaves it."""
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.write_bytes(b"")


def test_an_emptied_store_is_exit_7_and_stays_as_found_until_cache_clear(queued: GitRepo, isolated_env: Path) -> None:
    store = isolated_env / "store" / "cache.db"
    empty(store)
    for args in COMMANDS[:-1]:
        out = stepper(*args, cwd=queued.path)
        assert out.code == 7 and str(store) in out.err and "is empty" in out.err, (args, out)
        assert "stepper cache clear" in out.err and "Traceback" not in out.err
        assert store.stat().st_size == 0  # not silently started afresh
    cleared = stepper("cache", "clear", cwd=queued.path)
    assert cleared.code == 0 and f"Deleted the corrupt file {store}." in cleared.out, cleared
    assert stepper("status", cwd=queued.path).code == 0


def test_an_emptied_queue_file_is_exit_7_and_cache_clear_puts_the_jobs_back(
    queued: GitRepo, isolated_env: Path
) -> None:
    queue = isolated_env / "queue.db"
    empty(queue)
    queued.commit("feat: b", ("b.py", "b = 1\n"))
    out = stepper("enqueue", cwd=queued.path)
    assert out.code == 7 and str(queue) in out.err and "is empty" in out.err and "Traceback" not in out.err, out
    assert queue.stat().st_size == 0
    cleared = stepper("cache", "clear", cwd=queued.path)
    assert cleared.code == 0 and f"Deleted the corrupt file {queue}." in cleared.out, cleared
    assert stepper("worker", "--burst", cwd=queued.path).code == 0  # the ledger's recovery requeues the job
    assert [j["state"] for j in jobs()] == ["done"]

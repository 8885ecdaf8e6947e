"""Security: stepper never follows a link planted inside STEPPER_HOME.

For every file stepper keeps there (the store, the queue and their write-ahead logs, trust records,
settings snapshots, logs, the hook log, a metrics textfile) and for its folders, a symbolic link planted at
that path makes the command that would open it refuse with exit 7 and a sentence naming the path, and the
file the link points at keeps its content and its mode: nothing is written into it and nothing chmods it.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from stepper_cli.config.paths import open_log, read_private, write_private
from stepper_cli.errors import StorageError
from tests.support.cli_run import Outcome, cache_and_queue, stepper
from tests.support.gitutil import GitRepo

PRECIOUS = b"precious: not stepper's\n"


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A file of the user's outside STEPPER_HOME, world-readable on purpose."""
    path = tmp_path / "elsewhere" / "precious.txt"
    path.parent.mkdir()
    path.write_bytes(PRECIOUS)
    path.chmod(0o644)
    return path


@pytest.fixture
def used(repo: GitRepo) -> GitRepo:
    """A cached report (HEAD~2), a queued job (HEAD~1) and a new commit (HEAD): every state file exists."""
    cache_and_queue(repo)
    repo.commit("feat: c", ("c.py", "c = 1\n"))
    return repo


def plant(link: Path, target: Path) -> None:
    """Replace whatever is at link (a file or a folder) with a symbolic link to target."""
    gc.collect()  # an in-process run may leave a SQLite connection for GC; closing it later unlinks -shm
    if link.is_dir() and not link.is_symlink():
        for child in link.iterdir():
            child.unlink()
        link.rmdir()
    else:
        link.unlink(missing_ok=True)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def assert_refused(out: Outcome, link: Path, target: Path, content: bytes = PRECIOUS) -> None:
    assert out.code == 7 and str(link) in out.err and "Traceback" not in out.err, out
    assert "link" in out.err
    assert target.read_bytes() == content and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert link.is_symlink()  # not replaced either


def snapshot_file(home: Path) -> Path:
    (found,) = (home / "snapshots").glob("*.json")
    return found


@pytest.mark.parametrize(
    ("where", "args"),
    [
        (lambda home: home / "store" / "cache.db", ("status",)),
        (lambda home: home / "store" / "cache.db-wal", ("report", "HEAD~2")),
        (lambda home: home / "store" / "cache.db-shm", ("cache", "stats")),
        (lambda home: home / "queue.db", ("enqueue", "--priority", "1")),
        (lambda home: home / "queue.db-wal", ("worker", "--burst")),
        (snapshot_file, ("enqueue",)),
        (lambda home: home / "hook.log", ("hook", "status")),
        (lambda home: home / "worker.log", ("worker", "--burst", "--log-file", "{link}")),
        (lambda home: home / "metrics.prom", ("metrics", "--textfile", "{link}")),
    ],
    ids=[
        "cache.db",
        "cache.db-wal",
        "cache.db-shm",
        "queue.db",
        "queue.db-wal",
        "snapshot",
        "hook.log",
        "worker-log",
        "metrics-textfile",
    ],
)
def test_a_link_planted_at_a_state_file_is_refused_and_its_target_untouched(
    used: GitRepo, isolated_env: Path, target: Path, where: Callable[[Path], Path], args: tuple[str, ...]
) -> None:
    link = where(isolated_env)
    plant(link, target)
    out = stepper(*(a.format(link=link) for a in args), cwd=used.path)
    assert_refused(out, link, target)


@pytest.mark.parametrize("folder", ["store", "snapshots"])
def test_a_link_planted_at_a_state_folder_is_refused_and_what_it_points_at_untouched(
    used: GitRepo, isolated_env: Path, tmp_path: Path, folder: str
) -> None:
    elsewhere = tmp_path / "elsewhere-dir"
    elsewhere.mkdir(mode=0o755)
    (elsewhere / "keep.txt").write_bytes(PRECIOUS)
    elsewhere.chmod(0o755)
    link = isolated_env / folder
    plant(link, elsewhere)
    out = stepper("enqueue", cwd=used.path)
    assert out.code == 7 and str(link) in out.err and "link" in out.err and "Traceback" not in out.err, out
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o755


def test_trust_records_behind_a_link_are_never_read_or_written(repo: GitRepo, isolated_env: Path, target: Path) -> None:
    repo.commit("chore: settings", (".stepper.toml", '[queue]\nurl = "redis://attacker.example:6379/0"\n'))
    link = isolated_env / "trust.json"
    plant(link, target)
    target.write_bytes(b'{"%s": "x"}' % str(repo.path / ".stepper.toml").encode())  # what a forger would plant
    target.chmod(0o644)
    shown = stepper("config", "show", "--json", cwd=repo.path)
    assert shown.code == 0 and "attacker.example" not in shown.out  # a record behind a link trusts nothing
    forged = target.read_bytes()
    assert_refused(stepper("config", "trust", "--yes", cwd=repo.path), link, target, forged)


@pytest.mark.parametrize(
    "use",
    [
        lambda path: open_log(path).close(),
        lambda path: read_private(path),
        lambda path: write_private(path, b"new"),
    ],
    ids=["append-log", "read", "atomic-write"],
)
def test_the_state_file_helpers_refuse_a_link(isolated_env: Path, target: Path, use: Callable[[Path], object]) -> None:
    link = isolated_env / "notify.log"
    plant(link, target)
    with pytest.raises(StorageError, match="symbolic link") as refused:
        use(link)
    assert str(link) in str(refused.value)
    assert target.read_bytes() == PRECIOUS and stat.S_IMODE(target.stat().st_mode) == 0o644


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand a folder to another user")
def test_a_state_folder_owned_by_another_user_is_refused(used: GitRepo, isolated_env: Path) -> None:
    store = isolated_env / "store"
    os.chown(store, 54321, 54321)
    out = stepper("status", cwd=used.path)
    assert out.code == 7 and str(store) in out.err and "another user" in out.err, out


def test_a_new_state_file_is_owner_only_whatever_the_umask(isolated_env: Path) -> None:
    old = os.umask(0)
    try:
        write_private(isolated_env / "snapshots" / "x.json", b"{}")
        with open_log(isolated_env / "notify.log") as log:
            log.write("line\n")
    finally:
        os.umask(old)
    for path in (isolated_env / "snapshots" / "x.json", isolated_env / "notify.log"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((isolated_env / "snapshots").stat().st_mode) == 0o700

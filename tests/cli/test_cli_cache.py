"""`stepper cache stats | show | clear`, and `cache clear` as the way out of a corrupt cache or queue file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo


def test_stats_show_and_clear(repo: GitRepo) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    empty = json.loads(stepper("cache", "show", "--json", cwd=repo.path).out)
    assert empty["commit"] == sha and empty["entry"] is None
    stepper("report", cwd=repo.path)
    stats = json.loads(stepper("cache", "stats", "--json", cwd=repo.path).out)
    assert (stats["entries"], stats["fresh"], stats["stale"], stats["aliases"]) == (1, 1, 0, 1)
    shown = stepper("cache", "show", "HEAD", cwd=repo.path)
    assert shown.code == 0 and "state      ready" in shown.out and sha in shown.out
    cleared = stepper("cache", "clear", cwd=repo.path)
    assert cleared.code == 0 and "Removed 1 cached reports." in cleared.out
    assert json.loads(stepper("cache", "stats", "--json", cwd=repo.path).out)["entries"] == 0


def corrupt(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database, just bytes " * 200)


def test_a_corrupt_store_is_exit_7_naming_the_file_and_cache_clear_repairs_it(
    repo: GitRepo, isolated_env: Path
) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    stepper("report", cwd=repo.path)
    store_file = isolated_env / "store" / "cache.db"
    for suffix in ("-wal", "-shm"):
        store_file.with_name(store_file.name + suffix).unlink(missing_ok=True)
    corrupt(store_file)
    broken = stepper("report", cwd=repo.path)
    assert broken.code == 7 and str(store_file) in broken.err and "stepper cache clear" in broken.err
    cleared = stepper("cache", "clear", cwd=repo.path)
    assert cleared.code == 0 and f"Deleted the corrupt file {store_file}." in cleared.out
    assert stepper("report", cwd=repo.path).code == 0


def test_a_corrupt_queue_is_exit_7_naming_the_file_and_cache_clear_repairs_it(
    repo: GitRepo, isolated_env: Path
) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    queue_file = isolated_env / "queue.db"
    corrupt(queue_file)
    broken = stepper("enqueue", cwd=repo.path)
    assert broken.code == 7 and str(queue_file) in broken.err and "stepper cache clear" in broken.err
    assert "Traceback" not in broken.err
    assert stepper("worker", "--burst", cwd=repo.path).code == 7
    assert stepper("cache", "clear", cwd=repo.path).code == 0 and not queue_file.exists()
    assert stepper("enqueue", cwd=repo.path).code == 0

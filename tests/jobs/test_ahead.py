"""A worker reads the patch ids and commits of its queued jobs through one pair of git streams per repository,
and what it reads there is what one commit at a time reads."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any

import pytest

from stepper_cli.cache.reports import patch_id
from stepper_cli.git.commits import Repo, open_repo, read_commit, resolve_revs
from stepper_cli.jobs.ahead import Ahead
from tests.support.gitutil import GitRepo, counting_git, linear_history, starts


def queued(repo: Repo, shas: list[str], **fields: Any) -> list[dict[str, Any]]:
    """Ledger-shaped queued jobs of the commits, in queue order."""
    path = str(repo.root)
    return [{"state": "queued", "commit": sha, "repo_path": path, "priority": 0, "created_at": float(n), **fields}
            for n, sha in enumerate(shas)]  # fmt: skip


@pytest.fixture
def history(repo: GitRepo) -> tuple[Repo, list[str]]:
    linear_history(repo, 21)
    found = open_repo(repo.path)
    return found, resolve_revs(found, "HEAD~20..HEAD")


def test_threads_asking_out_of_order_get_what_one_commit_at_a_time_gives_from_two_git_processes(
    history: tuple[Repo, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, shas = history
    expected = {sha: (patch_id(repo, sha), read_commit(repo, sha)) for sha in shas}
    env, log = counting_git(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    ahead = Ahead()
    ahead.foresee(queued(repo, shas))
    got: dict[str, Any] = {}
    rest = shas[1:]
    random.Random(7).shuffle(rest)  # the first job starts the streams; the others come in any order
    order = [shas[0], *rest]

    def run(part: list[str]) -> None:
        for sha in part:
            pid = ahead.patch_id(repo, str(repo.root), sha)
            stream = ahead.commits(repo, str(repo.root), sha)
            assert stream is not None
            got[sha] = (pid, stream.get(sha))

    run(order[:1])
    threads = [threading.Thread(target=run, args=(order[1 + n :: 4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ahead.close()
    assert got == expected
    started = starts(log)
    assert len(started) == 3 and sum("--stdin" in line for line in started) == 2, started  # + patch-id


def test_a_stream_closed_under_a_thread_reads_only_the_commit_asked_for(
    history: tuple[Repo, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another thread may retire the streams between a job's `commits()` and its `get`: the job then reads its
    own commit, not every commit that was still ahead of it in the stream."""
    repo, shas = history
    ahead = Ahead()
    ahead.foresee(queued(repo, shas))
    ahead.patch_id(repo, str(repo.root), shas[0])
    stream = ahead.commits(repo, str(repo.root), shas[-1])
    assert stream is not None
    ahead.close()
    expected = read_commit(repo, shas[-1])
    env, log = counting_git(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    assert stream.get(shas[-1]) == expected
    started = starts(log)
    assert len(started) == 1, started


def test_a_commit_with_nothing_queued_behind_it_is_read_on_its_own(history: tuple[Repo, list[str]]) -> None:
    repo, shas = history
    ahead = Ahead()
    ahead.foresee(queued(repo, shas[:1]))
    assert ahead.patch_id(repo, str(repo.root), shas[0]) == patch_id(repo, shas[0])
    assert ahead.commits(repo, str(repo.root), shas[0]) is None


def test_a_commit_enqueued_since_the_keeper_looked_starts_the_next_streams(history: tuple[Repo, list[str]]) -> None:
    repo, shas = history
    ahead = Ahead()
    ahead.foresee(queued(repo, shas[:10]))
    assert ahead.patch_id(repo, str(repo.root), shas[0]) == patch_id(repo, shas[0])
    ahead.foresee(queued(repo, shas[5:]))
    assert ahead.patch_id(repo, str(repo.root), shas[15]) == patch_id(repo, shas[15])
    later = ahead.commits(repo, str(repo.root), shas[16])
    assert later is not None and later.get(shas[16]) == read_commit(repo, shas[16])
    ahead.close()


def test_only_full_object_ids_of_queued_jobs_of_that_repository_are_streamed(
    history: tuple[Repo, list[str]], tmp_path: Path
) -> None:
    repo, shas = history
    ahead = Ahead()
    forged = [*queued(repo, ["--output=/tmp/x", "HEAD"]), *queued(repo, shas[1:3], state="done")]
    forged += [{**job, "repo_path": str(tmp_path)} for job in queued(repo, shas[3:5])]
    ahead.foresee([*forged, *queued(repo, shas[:1])])
    assert ahead.commits(repo, str(repo.root), shas[0]) is None  # nothing else to stream: read on its own
    ahead.foresee([*forged, *queued(repo, shas[:2])])
    assert ahead.patch_id(repo, str(repo.root), shas[0]) == patch_id(repo, shas[0])
    stream = ahead.commits(repo, str(repo.root), shas[0])
    assert stream is not None and stream.shas == shas[:2]
    ahead.close()

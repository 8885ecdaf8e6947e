"""Ranges (report, enqueue, digest) read through a constant number of git processes, and read the same as one
commit at a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stepper_cli.cache.reports import patch_id
from stepper_cli.git.batch import CommitStream, PatchIdStream
from stepper_cli.git.commits import open_repo, read_commit, resolve_revs
from tests.support.gitutil import GitRepo, counting_git, linear_history, starts


def every_shape(repo: GitRepo) -> None:
    """A history with each kind of commit: root, edit, rename, binary, mode and type changes, an empty commit,
    a merge (and its side branch), a deletion, non-UTF-8 bytes, a path with spaces and a message with a NUL-free
    body that looks like a diff."""
    repo.commit("root: first files", ("a.py", "".join(f"line {i}\n" for i in range(40))), ("docs/r.md", "hi\n"))
    repo.commit("edit a", ("a.py", "".join(f"line {i}{' changed' * (i % 3 == 0)}\n" for i in range(40))))
    repo.git("mv", "a.py", "b c.py")
    repo.git("commit", "-q", "-m", "rename with a space", "-m", "diff --git a/x b/x\n+not a diff")
    repo.commit("binary", ("logo.png", bytes(range(256)) * 8))
    repo.commit("latin-1", ("old.txt", b"caf\xe9\n"))
    (repo.path / "docs/r.md").chmod(0o755)
    repo.git("commit", "-q", "-am", "mode change")
    repo.git("commit", "-q", "--allow-empty", "-m", "empty")
    base = repo.head()
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side work", ("side.py", "s = 1\n"))
    repo.git("checkout", "-q", "-")
    repo.commit("main work", ("main.py", "m = 1\n"))
    repo.git("merge", "-q", "--no-edit", "side")
    repo.git("rm", "-q", "old.txt")
    repo.git("commit", "-q", "-m", "delete")
    (repo.path / "link").symlink_to("b c.py")
    repo.git("add", "link")
    repo.git("commit", "-q", "-m", "symlink")
    (repo.path / "link").unlink()
    repo.write("link", "now a file\n")
    repo.git("commit", "-q", "-am", "type change")
    assert base


def test_a_streamed_range_reads_every_commit_as_read_commit_does(repo: GitRepo) -> None:
    every_shape(repo)
    r = open_repo(repo.path)
    shas = repo.git("rev-list", "--reverse", "--all").split()
    with CommitStream(r, shas) as stream:
        streamed = [stream.get(sha) for sha in shas]
    assert streamed == [read_commit(r, sha) for sha in shas]
    assert any(c.is_merge and c.files for c in streamed) and any(c.is_root for c in streamed)


def test_a_stream_skips_what_is_not_asked_and_reads_out_of_order_commits_alone(repo: GitRepo) -> None:
    every_shape(repo)
    r = open_repo(repo.path)
    shas = resolve_revs(r, "HEAD~6..HEAD")
    with CommitStream(r, shas) as stream:
        assert stream.get(shas[2]) == read_commit(r, shas[2])
        assert stream.get(shas[0]) == read_commit(r, shas[0])  # behind the stream now: read alone
        assert stream.get(shas[-1]) == read_commit(r, shas[-1])
        assert stream.get(repo.git("rev-list", "--max-parents=0", "HEAD").strip()).is_root  # never in it


def test_patch_ids_from_one_stream_are_those_of_one_commit_at_a_time(repo: GitRepo) -> None:
    every_shape(repo)
    r = open_repo(repo.path)
    shas = repo.git("rev-list", "--reverse", "--all").split()
    with PatchIdStream(r, shas) as stream:
        ids = {sha: stream.get(sha) for sha in shas}
    assert ids == {sha: patch_id(r, sha) for sha in shas}
    assert sum(v is None for v in ids.values()) >= 2  # the merge and the empty commit have none


@pytest.fixture
def fifty(repo: GitRepo) -> GitRepo:
    linear_history(repo, 51)
    return repo


def run(args: list[str], repo: GitRepo, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "stepper_cli", *args, "--repo", str(repo.path)]
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=True)


STEPS = [
    ("enqueue, nothing cached", ["enqueue", "--json"]),
    ("cold offline report", ["report", "--offline", "--format", "json"]),
    ("cold offline digest", ["digest", "--offline"]),
    ("first report (writes the cache)", ["report", "--format", "json"]),
    ("warm report", ["report", "--format", "json"]),
    ("warm report, full command", ["report", "--format", "json", "--verbose"]),
]


def git_starts_per_step(repo: GitRepo, spec: str, home: Path, git: tuple[dict[str, str], Path]) -> dict[str, list[str]]:
    env, log = git
    found = {}
    for name, args in STEPS:
        run([args[0], spec, *args[1:]], repo, {**env, "STEPPER_HOME": str(home)})
        found[name] = starts(log)
    return found


def test_a_50_commit_range_starts_as_many_git_processes_as_a_10_commit_one(fifty: GitRepo, tmp_path: Path) -> None:
    git = counting_git(tmp_path)
    ten = git_starts_per_step(fifty, "HEAD~10..HEAD", tmp_path / "home-10", git)
    many = git_starts_per_step(fifty, "HEAD~50..HEAD", tmp_path / "home-50", git)
    assert {name: len(lines) for name, lines in many.items()} == {name: len(lines) for name, lines in ten.items()}
    # the lean try, then the full command (one cat-file reads the file contents the local analyzer parses)
    assert all(len(lines) <= 14 for lines in many.values()), many
    assert not any("diff-tree" in line or "patch-id" in line for line in many["enqueue, nothing cached"])
    warm = many["warm report"] + many["warm report, full command"]
    assert not any("diff-tree" in line or "patch-id" in line for line in warm)  # a warm range reads no diff


def without_timings(results: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in r.items() if k != "timings"} for r in results]


def test_a_range_reports_exactly_what_each_commit_reports_alone(repo: GitRepo) -> None:
    from stepper_cli.generate.context import open_context
    from stepper_cli.generate.pipeline import ReportOptions, generate_reports, report_for_sha

    every_shape(repo)
    linear_history_on(repo, 6)
    spec = f"{repo.git('rev-list', '--max-parents=0', 'HEAD').strip()}..HEAD"
    options = ReportOptions(offline=True, use_cache=False)
    with open_context(repo.path) as ctx:
        one_by_one = [report_for_sha(ctx, sha, options).to_json() for sha in resolve_revs(ctx.repo, spec)]
    with open_context(repo.path) as ctx:
        ranged = [r.to_json() for r in generate_reports(spec, options=options, context=ctx)]
    assert len(ranged) > 10 and without_timings(ranged) == without_timings(one_by_one)


def test_a_range_through_the_cache_reports_what_it_reports_without_it(repo: GitRepo) -> None:
    from stepper_cli.generate.context import open_context
    from stepper_cli.generate.pipeline import ReportOptions, generate_reports

    every_shape(repo)
    spec = "HEAD~8..HEAD"
    with open_context(repo.path) as ctx:
        uncached = [r.to_json() for r in generate_reports(spec, options=ReportOptions(use_cache=False), context=ctx)]
    with open_context(repo.path) as ctx:
        first = [r.to_json() for r in generate_reports(spec, context=ctx)]
        again = [r.to_json() for r in generate_reports(spec, context=ctx)]
    assert without_timings(first) == without_timings(uncached)
    assert all(r["cached"] for r in again)
    assert [{**r, "cached": False} for r in without_timings(again)] == without_timings(uncached)


def linear_history_on(repo: GitRepo, count: int) -> None:
    for i in range(count):
        repo.commit(f"feat: step {i}", (f"step_{i % 3}.py", "".join(f"x{n} = {n * i}\n" for n in range(30))))


def test_a_range_kept_in_git_notes_is_read_from_them_in_two_git_processes(fifty: GitRepo, tmp_path: Path) -> None:
    import json

    env, log = counting_git(tmp_path)
    spec = "HEAD~12..HEAD"
    written = run(["report", spec, "--notes", "--format", "json"], fifty, {**env, "STEPPER_HOME": str(tmp_path / "a")})
    starts(log)
    clone = run(["report", spec, "--format", "json"], fifty, {**env, "STEPPER_HOME": str(tmp_path / "b")})
    notes = [line for line in starts(log) if " notes " in f" {line} " or "cat-file" in line]
    assert len(notes) == 2 and not any(" show " in line for line in notes), notes
    again = json.loads(clone.stdout)
    assert all(r["cached"] for r in again)
    assert [{**r, "cached": False} for r in without_timings(again)] == without_timings(json.loads(written.stdout))


def test_a_range_enqueued_puts_one_message_per_job_on_the_real_queue(fifty: GitRepo) -> None:
    from stepper_cli.generate.context import open_context
    from stepper_cli.generate.snapshot import remember
    from stepper_cli.jobs import transport as queue
    from stepper_cli.jobs.submit import enqueue_commits

    with open_context(fifty.path) as ctx:
        conf = remember(ctx.repo.root, ctx.config)
        results = enqueue_commits(ctx.repo, conf, resolve_revs(ctx.repo, "HEAD~5..HEAD"))
    assert [r.status for r in results] == ["queued"] * 5
    assert queue.waiting_jobs(queue.open_huey("")) == {r.job_id for r in results}


def test_a_range_whose_messages_cannot_be_queued_leaves_no_job_behind(fifty: GitRepo) -> None:
    from stepper_cli.errors import StorageError
    from stepper_cli.generate.context import open_context
    from stepper_cli.generate.pipeline import report_cache
    from stepper_cli.generate.snapshot import remember
    from stepper_cli.jobs import transport as queue
    from stepper_cli.jobs.ledger import Ledger
    from stepper_cli.jobs.submit import enqueue_commits

    queue.queue_file().mkdir(parents=True)  # the queue file cannot be opened: a directory stands there
    with open_context(fifty.path) as ctx:
        conf = remember(ctx.repo.root, ctx.config)
        shas = resolve_revs(ctx.repo, "HEAD~5..HEAD")
        with pytest.raises(StorageError):
            enqueue_commits(ctx.repo, conf, shas, store=ctx.store)
        cache = report_cache(ctx)
        assert Ledger(ctx.store).jobs() == [] and all(cache.entry(sha) is None for sha in shas)

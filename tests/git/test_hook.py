"""The post-commit hook end to end: real repositories, real `git commit`, the detached `stepper enqueue`."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from stepper_cli.config.settings import HookSettings
from stepper_cli.git import hook, hook_script
from stepper_cli.git.commits import open_repo
from stepper_cli.jobs.ledger import Ledger
from stepper_cli.store import open_store
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo

T = TypeVar("T")
EXISTING = b'#!/bin/sh\n# the team\'s own hook\necho ran >> "$(git rev-parse --git-dir)/../hook-ran"\n'


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    """Poll until probe gives something truthy: the hook's work runs in the background."""
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
    return value


def queued_commits() -> set[str]:
    with open_store() as store:
        return {job["commit"] for job in Ledger(store).jobs()}


def wait_queued(sha: str) -> None:
    wait_for(lambda: sha in queued_commits(), f"a job for {sha[:12]}")


def hook_log() -> str:
    log = Path(os.environ["STEPPER_HOME"]) / "hook.log"
    return log.read_text() if log.exists() else ""


def commit(repo: GitRepo, message: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A real `git commit` (the hook runs); the commit must succeed whatever the hook does."""
    (cwd or repo.path).joinpath(f"{message}.txt").write_text(message)
    subprocess.run(["git", "add", "-A"], cwd=cwd or repo.path, check=True)
    return subprocess.run(["git", "commit", "-q", "-m", message], cwd=cwd or repo.path, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip


@pytest.fixture
def started(repo: GitRepo) -> GitRepo:
    repo.commit("init", ("README.md", "hello\n"))
    return repo


def test_a_commit_with_the_hook_puts_a_job_in_the_ledger(started: GitRepo) -> None:
    res = stepper("hook", "install", "--repo", str(started.path))
    assert res.code == 0 and "Installed" in res.out, res.err
    commit(started, "feat-one")
    wait_queued(started.head())
    assert hook_log() == ""


def test_an_existing_hook_still_runs_and_uninstall_restores_it_byte_for_byte(started: GitRepo) -> None:
    path = started.path / ".git/hooks/post-commit"
    path.write_bytes(EXISTING)
    path.chmod(0o750)
    assert stepper("hook", "install", "--repo", str(started.path)).code == 0
    assert path.read_bytes().startswith(b"#!/bin/sh\n# >>> stepper") and path.read_bytes().endswith(EXISTING[10:])
    commit(started, "with-both")
    assert (started.path / "hook-ran").read_text() == "ran\n"
    wait_queued(started.head())
    res = stepper("hook", "uninstall", "--repo", str(started.path))
    assert res.code == 0 and "as it was" in res.out
    assert path.read_bytes() == EXISTING and stat.S_IMODE(path.stat().st_mode) == 0o750


def test_install_is_idempotent_and_a_created_hook_is_deleted_on_uninstall(started: GitRepo) -> None:
    path = started.path / ".git/hooks/post-commit"
    assert stepper("hook", "install", "--repo", str(started.path)).code == 0
    first = path.read_bytes()
    again = stepper("hook", "install", "--repo", str(started.path), "--json")
    assert json.loads(again.out)["action"] == "unchanged" and path.read_bytes() == first
    assert first.count(hook_script.BEGIN) == 1 and os.access(path, os.X_OK)
    assert (started.path / ".git/hooks/post-rewrite").read_bytes().count(hook_script.markers("post-rewrite")[0]) == 1
    assert stepper("hook", "uninstall", "--repo", str(started.path)).code == 0
    assert not path.exists() and not (started.path / ".git/hooks/post-rewrite").exists()
    assert json.loads(stepper("hook", "uninstall", "--repo", str(started.path), "--json").out)["action"] == "absent"


def test_a_hook_without_a_final_newline_is_restored_exactly(started: GitRepo) -> None:
    path = started.path / ".git/hooks/post-commit"
    for original in (b"#!/bin/bash", b"echo no shebang; exit 0", b"#!/usr/bin/env bash\r\nexit 0"):
        path.write_bytes(original)
        path.chmod(0o755)
        assert stepper("hook", "install", "--repo", str(started.path)).code == 0
        assert subprocess.run(["sh", "-n", str(path)]).returncode == 0
        assert stepper("hook", "uninstall", "--repo", str(started.path)).code == 0
        assert path.read_bytes() == original


def test_a_hook_in_another_language_or_not_executable_is_left_alone(started: GitRepo) -> None:
    path = started.path / ".git/hooks/post-commit"
    path.write_bytes(b"#!/usr/bin/env python3\nprint('hi')\n")
    path.chmod(0o755)
    res = stepper("hook", "install", "--repo", str(started.path))
    assert res.code == 2 and "python3 script" in res.err
    path.write_bytes(b"#!/bin/sh\necho off\n")
    path.chmod(0o644)
    res = stepper("hook", "install", "--repo", str(started.path))
    assert res.code == 2 and "not executable" in res.err
    assert path.read_bytes() == b"#!/bin/sh\necho off\n"


@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_core_hooks_path_is_honoured(started: GitRepo, tmp_path: Path, where: str) -> None:
    hooks = started.path / ".githooks" if where == "relative" else tmp_path / "shared-hooks"
    started.git("config", "core.hooksPath", ".githooks" if where == "relative" else str(hooks))
    refused = stepper("hook", "install", "--repo", str(started.path))
    assert refused.code == 2 and "outside this repository's git directory" in refused.err
    assert stepper("hook", "install", "--repo", str(started.path), "--force").code == 0
    assert (hooks / "post-commit").exists() and not (started.path / ".git/hooks/post-commit").exists()
    commit(started, f"via-{where}")
    wait_queued(started.head())
    state = json.loads(stepper("hook", "status", "--repo", str(started.path), "--json").out)
    assert state["installed"] and state["path"] == str(hooks / "post-commit")
    assert any("work tree" in n for n in state["notes"]) == (where == "relative")


def test_linked_worktrees_and_subfolders_use_the_common_hook(started: GitRepo, tmp_path: Path) -> None:
    started.git("worktree", "add", "-q", "-b", "side", str(tmp_path / "wt"))
    wt = GitRepo(tmp_path / "wt")
    assert stepper("hook", "install", "--repo", str(wt.path)).code == 0
    assert (started.path / ".git/hooks/post-commit").exists()
    commit(wt, "in-worktree")
    wait_queued(wt.head())
    (started.path / "sub").mkdir()
    commit(started, "from-sub", cwd=started.path / "sub")
    wait_queued(started.head())


def test_a_broken_stepper_install_never_fails_the_commit_and_logs_why(started: GitRepo, tmp_path: Path) -> None:
    ghost = str(tmp_path / "gone" / "stepper")
    values = hook.install_values(HookSettings())
    hook.install(open_repo(started.path), dataclasses.replace(values, exe=ghost, python=ghost))
    done = commit(started, "still-commits")
    assert done.returncode == 0 and started.git("log", "-1", "--format=%s") == "still-commits"
    line = wait_for(lambda: hook_log().strip(), "the hook log")
    assert started.head() in line and "stepper not found" in line
    assert stat.S_IMODE((Path(os.environ["STEPPER_HOME"]) / "hook.log").stat().st_mode) == 0o600
    state = json.loads(stepper("hook", "status", "--repo", str(started.path), "--json").out)
    assert any("missing" in p for p in state["problems"]) and started.head() in state["recent_errors"][-1]


def test_a_failing_enqueue_is_logged_and_the_commit_succeeds(started: GitRepo) -> None:
    assert stepper("hook", "install", "--repo", str(started.path)).code == 0
    (started.path / ".stepper.toml").write_text("[hook]\nmode = 'sometimes'\n")
    commit(started, "bad-config")
    line = wait_for(lambda: hook_log().strip(), "the hook log")
    assert "exit 4" in line and "hook.mode" in line and "\n" not in line


def _branch_to_rebase(repo: GitRepo) -> list[str]:
    repo.git("checkout", "-q", "-b", "topic")
    picks = [repo.commit(f"topic {i}", (f"t{i}.txt", f"{i}\n")) for i in range(2)]
    repo.git("checkout", "-q", "main")
    repo.commit("main moves", ("m.txt", "m\n"))
    repo.git("checkout", "-q", "topic")
    return picks


def test_a_rebase_skips_each_post_commit_and_queues_its_commits_once_from_post_rewrite(
    started: GitRepo, tmp_path: Path
) -> None:
    _branch_to_rebase(started)
    ghost = str(tmp_path / "gone")  # every process the hooks start leaves a line in the log instead
    values = hook.install_values(HookSettings())
    hook.install(open_repo(started.path), dataclasses.replace(values, exe=ghost, python=ghost))
    started.git("rebase", "-q", "main")
    rebased = started.git("rev-list", "--reverse", "main..topic").split()
    line = wait_for(lambda: hook_log().strip(), "the post-rewrite line")
    time.sleep(0.3)
    assert len(rebased) == 2 and hook_log().strip() == line and f"post-rewrite {' '.join(rebased)}: exit 127" in line


def test_queueing_during_rebase_leaves_post_rewrite_idle(started: GitRepo, tmp_path: Path) -> None:
    _branch_to_rebase(started)
    ghost = str(tmp_path / "gone")
    values = hook.install_values(HookSettings(skip_during_rebase=False))
    hook.install(open_repo(started.path), dataclasses.replace(values, exe=ghost, python=ghost))
    started.git("rebase", "-q", "main")
    rebased = started.git("rev-list", "main..topic").split()
    wait_for(lambda: all(sha in hook_log() for sha in rebased), "a line per rebased commit")
    time.sleep(0.3)
    assert hook_log().count("post-commit") == 2 and "post-rewrite" not in hook_log()


def test_a_cherry_pick_sequence_is_noted_and_queued_with_the_next_commit(started: GitRepo) -> None:
    picks = _branch_to_rebase(started)
    started.git("checkout", "-q", "main")
    assert stepper("hook", "install", "--repo", str(started.path)).code == 0
    started.git("cherry-pick", *picks)
    picked = started.git("rev-list", "--reverse", "HEAD~2..HEAD").split()
    assert (started.path / ".git" / hook_script.PENDING).read_text().split() == picked
    commit(started, "after-picks")
    for sha in (*picked, started.head()):
        wait_queued(sha)
    assert not (started.path / ".git" / hook_script.PENDING).exists()


def test_a_chained_post_rewrite_hook_still_reads_its_lines_and_is_restored(started: GitRepo) -> None:
    path = started.path / ".git/hooks/post-rewrite"
    own = b'#!/bin/sh\nseen="$(git rev-parse --git-dir)/../rewrite-seen"\necho "$1" >> "$seen"\ncat >> "$seen"\n'
    path.write_bytes(own)
    path.chmod(0o755)
    _branch_to_rebase(started)
    assert stepper("hook", "install", "--repo", str(started.path)).code == 0
    started.git("rebase", "-q", "main")
    seen = (started.path / "rewrite-seen").read_text().splitlines()
    rebased = started.git("rev-list", "--reverse", "main..topic").split()
    assert seen[0] == "rebase" and [line.split()[1] for line in seen[1:]] == rebased
    for sha in rebased:
        wait_queued(sha)
    assert stepper("hook", "uninstall", "--repo", str(started.path)).code == 0
    assert path.read_bytes() == own


def test_rebase_commits_are_queued_by_default(started: GitRepo) -> None:
    _branch_to_rebase(started)
    assert stepper("hook", "install", "--repo", str(started.path)).code == 0
    started.git("rebase", "-q", "main")
    for sha in started.git("rev-list", "main..topic").split():
        wait_queued(sha)


def test_report_mode_reports_inline_and_falls_back_to_the_queue(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stepper("hook", "install", "--repo", str(started.path), "--mode", "report").code == 0
    shown = commit(started, "inline-report")
    assert "Changes:" in shown.stdout + shown.stderr
    monkeypatch.setenv("STEPPER_HOOK__REPORT_BUDGET_SECONDS", "0.01")
    assert stepper("hook", "install", "--repo", str(started.path), "--mode", "report").code == 0
    late = commit(started, "over-budget")
    assert "queued it instead" in late.stderr
    wait_queued(started.head())


def test_status_shows_what_the_hook_records(started: GitRepo) -> None:
    assert stepper("hook", "status", "--repo", str(started.path)).out.splitlines()[1] == "installed: no"
    assert stepper("hook", "install", "--repo", str(started.path)).code == 0
    state = json.loads(stepper("hook", "status", "--repo", str(started.path), "--json").out)
    assert state["values"]["home"] == os.environ["STEPPER_HOME"] and state["values"]["mode"] == "enqueue"
    assert state["problems"] == [] and state["chained"] is False
    assert state["log"] == str(Path(os.environ["STEPPER_HOME"]) / "hook.log")
    assert Path(state["values"]["exe"]).is_file()


def test_the_pre_commit_hook_runs_a_real_command_at_the_post_commit_stage(started: GitRepo) -> None:
    manifest = (Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text()
    for line in ("- id: stepper-enqueue", "stages: [post-commit]", "always_run: true", "pass_filenames: false"):
        assert f"\n{line}" in manifest or f"\n  {line}" in manifest, line
    entry = next(x for x in manifest.splitlines() if x.strip().startswith("entry:")).split(":", 1)[1].split()
    assert entry[0] == "stepper"
    res = stepper(*entry[1:], "--repo", str(started.path))
    assert res.code == 0 and started.head() in queued_commits()


def test_the_hook_reads_the_new_commit_on_a_branch_detached_and_in_a_worktree(started: GitRepo, tmp_path: Path) -> None:
    assert stepper("hook", "install", "--repo", str(started.path)).code == 0
    started.git("pack-refs", "--all")  # the branch's ref lives in packed-refs until the commit writes it
    commit(started, "on-branch")
    wait_queued(started.head())
    started.git("checkout", "-q", "--detach")
    commit(started, "detached")
    wait_queued(started.head())
    started.git("worktree", "add", "-q", "-b", "side", str(tmp_path / "wt"))
    wt = GitRepo(tmp_path / "wt")
    commit(wt, "in-worktree")
    wait_queued(wt.head())
    assert hook_log() == ""

"""Bad input: the environment. No git on PATH; a STEPPER_HOME that is a file, lies under a file, is a device,
or sits on a read-only file system (tests run as root, so permission bits would not stop them: these do).

Each command gives its exit code (3 for git, 7 for state) and a sentence naming what to fix, never a
traceback; what was under STEPPER_HOME before is untouched.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.test_drill_disk_full import assert_store_sound
from tests.support.cli_run import Outcome, stepper, stepper_process
from tests.support.gitutil import GitRepo

NEEDS_GIT = (("report",), ("report", "--dry-run"), ("enqueue",), ("hook", "install"), ("cache", "show"))
NEEDS_HOME = (("report",), ("enqueue",), ("status",), ("cache", "stats"), ("cache", "clear"), ("metrics",),
              ("providers", "list"), ("worker", "--burst"), ("hook", "install"))  # fmt: skip


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    return repo


def assert_sentence(out: Outcome, code: int, *words: str) -> None:
    assert out.code == code, out
    assert "Traceback" not in out.err and 1 <= len(out.err.strip().splitlines()) <= 2, out.err
    assert all(w in out.err for w in words), out.err


def test_without_git_on_path_every_git_command_is_exit_3(
    project: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty-bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    for args in NEEDS_GIT:
        assert_sentence(stepper(*args, cwd=project.path), 3, "git is not installed or not on PATH")
    assert stepper("config", "show", cwd=project.path).code == 0  # what needs no git still works


@pytest.mark.parametrize("where", ["a file", "under a file", "a device"])
def test_a_stepper_home_that_cannot_be_a_folder_is_exit_7_naming_it(
    where: str, project: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder\n")
    home = {"a file": blocker, "under a file": blocker / "home", "a device": Path("/dev/null")}[where]
    monkeypatch.setenv("STEPPER_HOME", str(home))
    for args in NEEDS_HOME:
        assert_sentence(stepper(*args, cwd=project.path), 7, str(home), "STEPPER_HOME")
    assert blocker.read_text() == "not a folder\n"
    assert stepper("report", "--offline", "--no-cache", cwd=project.path).code == 0  # no state needed, none used


@pytest.fixture
def read_only_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A STEPPER_HOME with state in it, on a tmpfs remounted read-only (skipped where mounting is not allowed)."""
    mount = tmp_path / "ro"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    monkeypatch.setenv("STEPPER_HOME", str(mount))
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_read_only_stepper_home_is_exit_7_and_its_state_survives(project: GitRepo, read_only_home: Path) -> None:
    assert stepper_process("report", cwd=project.path).code == 0  # a process of its own: no file left open here
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_home)], check=True)
    for args in NEEDS_HOME:
        if args != ("hook", "install"):  # it writes in the repository only, which is fine
            assert_sentence(stepper(*args, cwd=project.path), 7, str(read_only_home))
    subprocess.run(["mount", "-o", "remount,rw", str(read_only_home)], check=True)
    assert_store_sound(read_only_home, project.head())
    assert stepper("report", cwd=project.path).code == 0

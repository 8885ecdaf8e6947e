"""`hook install` writes only a regular file inside the repository's git directory unless --force: a committed
symlink (core.hooksPath inside the work tree) or a hooks folder that is really elsewhere is refused, exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo

PROFILE = "# the user's shell profile\nexport EDITOR=vi\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the repository holding a file an attacker would like to make executable."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "profile").write_text(PROFILE)
    return folder


def install(repo: GitRepo, *args: str) -> tuple[int, str]:
    out = stepper("hook", "install", "--repo", str(repo.path), *args)
    assert "Traceback" not in out.err
    return out.code, out.err


def test_a_committed_symlinked_hook_is_refused_and_its_target_untouched(repo: GitRepo, outside: Path) -> None:
    repo.commit("init", ("README.md", "hi\n"))
    (repo.path / ".githooks").mkdir()
    (repo.path / ".githooks/post-commit").symlink_to(outside / "profile")
    repo.git("add", ".githooks")
    repo.git("commit", "-q", "-m", "hooks")  # what a clone brings along
    repo.git("config", "core.hooksPath", ".githooks")
    code, err = install(repo)
    assert code == 2 and "is a symbolic link" in err and "--force" in err
    assert (outside / "profile").read_text() == PROFILE and not os.access(outside / "profile", os.X_OK)
    (outside / "profile").chmod(0o755)
    code, _ = install(repo, "--force")  # the user's explicit choice: edit where the link points
    assert code == 0 and ">>> stepper" in (outside / "profile").read_text()


def test_a_hooks_folder_that_links_outside_is_refused_and_nothing_is_created_there(
    repo: GitRepo, outside: Path
) -> None:
    repo.commit("init", ("README.md", "hi\n"))
    (repo.path / "hooks-link").symlink_to(outside)
    repo.git("config", "core.hooksPath", "hooks-link")
    code, err = install(repo)
    assert code == 2 and "outside this repository's git directory" in err
    assert sorted(p.name for p in outside.iterdir()) == ["profile"]


def test_a_symlinked_git_hooks_folder_is_refused(repo: GitRepo, outside: Path) -> None:
    repo.commit("init", ("README.md", "hi\n"))
    hooks = repo.path / ".git/hooks"
    for child in hooks.iterdir():
        child.unlink()
    hooks.rmdir()
    hooks.symlink_to(outside)
    code, err = install(repo)
    assert code == 2 and "outside this repository's git directory" in err
    assert sorted(p.name for p in outside.iterdir()) == ["profile"]


def test_the_usual_hooks_folder_needs_no_force(repo: GitRepo) -> None:
    repo.commit("init", ("README.md", "hi\n"))
    code, err = install(repo)
    assert code == 0, err
    hook = repo.path / ".git/hooks/post-commit"
    assert not hook.is_symlink() and os.access(hook, os.X_OK)

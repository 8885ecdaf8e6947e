"""Bad input that used to end in a traceback or a false sentence: revision syntax that names no single commit
or range, a line break in a repository path or in STEPPER_HOME, and a notes.ref that is not a ref name."""

from __future__ import annotations

from pathlib import Path

import pytest

from stepper_cli.git.hook_script import BEGIN, END, SHEBANG, HookValues
from stepper_cli.store import open_store
from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo


@pytest.fixture
def history(repo: GitRepo) -> GitRepo:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    repo.commit("feat: b", ("b.py", "b = 1\n"))
    return repo


def one_sentence(err: str) -> bool:
    return "Traceback" not in err and 1 <= len(err.strip().splitlines()) <= 2


@pytest.mark.parametrize("spec", ["^HEAD", "^main", "..", "...", "HEAD..^HEAD", "HEAD...^HEAD", "^HEAD..HEAD"])
@pytest.mark.parametrize("command", [("report", "--offline"), ("enqueue",), ("cache", "show")])
def test_revision_syntax_that_is_no_commit_or_range_is_exit_3(
    history: GitRepo, spec: str, command: tuple[str, ...]
) -> None:
    out = stepper(*command, spec, cwd=history.path)
    assert out.code == 3 and one_sentence(out.err), out
    assert "is not a revision" in out.err or "Unknown revision" in out.err


def test_a_negated_head_is_never_cached_under_a_caret_commit(history: GitRepo) -> None:
    assert stepper("report", "--offline", "^HEAD", cwd=history.path).code == 3
    assert stepper("enqueue", "^HEAD", cwd=history.path).code == 3
    with open_store() as store:
        commits = [entry.get("commit") for _, entry in store.scan("")]
    assert not any(str(c).startswith("^") for c in commits)


def test_cache_show_of_an_empty_range_is_a_sentence(history: GitRepo) -> None:
    out = stepper("cache", "show", "HEAD..HEAD", cwd=history.path)
    assert out.code == 3 and "holds no commits" in out.err and one_sentence(out.err)


def test_a_line_break_in_the_repository_path_is_named_as_such(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "line\nbreak")
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    for args, cwd in ((("--repo", str(repo.path)), tmp_path), ((), repo.path)):
        for command in (("report", "--offline"), ("enqueue",)):
            out = stepper_process(*command, *args, cwd=cwd)
            assert out.code == 3 and "line break in its path" in out.err, out
            assert "git is not installed" not in out.err and "Traceback" not in out.err


@pytest.mark.parametrize(
    ("value", "says"),
    [("refs/notes/a\\u0000b", "control character"), ("a" * 300_000, "300,000 characters"),
     ("refs/notes/a..b", "'..'"), ("refs/notes/with space", "space"), ("refs/notes/x.lock", ".lock")],
)  # fmt: skip
def test_a_notes_ref_that_is_not_a_ref_name_is_a_config_error(
    history: GitRepo, tmp_path: Path, value: str, says: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[notes]\nref = "{value}"\n')
    for command in (("report", "--offline"), ("enqueue",)):
        out = stepper_process(*command, cwd=history.path, env={"STEPPER_CONFIG": str(config)})
        assert out.code == 4 and "notes.ref" in out.err and says in out.err, out.err[:500]
        assert "Traceback" not in out.err and len(out.err) < 1000


def test_a_line_break_in_stepper_home_is_a_sentence_for_hook_status_and_install(
    history: GitRepo, tmp_path: Path
) -> None:
    env = {"STEPPER_HOME": str(tmp_path / "state\nhome")}
    status = stepper_process("hook", "status", cwd=history.path, env=env)
    assert status.code == 0 and "holds a line break" in status.out and "Traceback" not in status.err
    install = stepper_process("hook", "install", cwd=history.path, env=env)
    assert install.code == 4 and "STEPPER_HOME" in install.err and one_sentence(install.err)
    assert not (history.path / ".git/hooks/post-commit").exists()


def test_status_of_a_hook_recorded_with_a_line_break_is_no_traceback(history: GitRepo, tmp_path: Path) -> None:
    values = HookValues(home=str(tmp_path / "old\nhome"), exe="/usr/bin/stepper", python="/usr/bin/python3")
    hook = history.path / ".git/hooks/post-commit"
    hook.write_bytes(SHEBANG + BEGIN + values.render() + END)
    hook.chmod(0o755)
    out = stepper_process("hook", "status", "--json", cwd=history.path)
    assert out.code == 0 and '"installed": true' in out.out and "Traceback" not in out.err

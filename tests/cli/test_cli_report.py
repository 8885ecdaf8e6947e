"""`stepper report` through the real app: formats, ranges, and every exit code of the contract."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo

REPORT_KEYS = {
    "schema_version", "commit", "repo", "author", "date", "report", "provider", "fallback", "cached", "attempts",
    "redactions", "coverage", "timings",
}  # fmt: skip


@pytest.fixture
def two_commits(repo: GitRepo) -> GitRepo:
    repo.commit("init", ("src/a.py", "def f():\n    return 1\n"))
    repo.commit("feat: add a test", ("tests/test_a.py", "def test_f():\n    assert True\n"))
    return repo


def test_json_report_matches_the_contract(two_commits: GitRepo) -> None:
    res = stepper("report", "--format", "json", "--repo", str(two_commits.path))
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert set(data) == REPORT_KEYS
    assert data["schema_version"] == 1 and data["commit"] == two_commits.head()
    assert data["provider"] == "local" and data["fallback"] is False and data["repo"] == "repo"
    assert data["coverage"]["files"] == 1 and data["coverage"]["truncated"] is False
    assert set(data["report"]) == {"title", "summary", "changes", "rationale", "impact_and_tests",
                                   "next_steps", "tags"}  # fmt: skip


def test_range_gives_an_array_oldest_first(two_commits: GitRepo) -> None:
    res = stepper("report", "HEAD~1..HEAD", "--format", "json", cwd=two_commits.path)
    data = json.loads(res.out)
    assert isinstance(data, list) and [d["commit"] for d in data] == [two_commits.head()]
    third = two_commits.commit("docs: note", ("README.md", "hello\n"))
    res = stepper("report", "HEAD~2..HEAD", "--format", "json", cwd=two_commits.path)
    assert [d["commit"] for d in json.loads(res.out)] == [two_commits.git("rev-parse", "HEAD~1"), third]


def test_markdown_and_text_formats(two_commits: GitRepo, tmp_path: Path) -> None:
    md = stepper("report", "--format", "markdown", cwd=two_commits.path)
    assert md.code == 0 and md.out.startswith("# ") and "## Changes" in md.out
    text = stepper("report", cwd=two_commits.path)
    assert text.code == 0 and "Changes:" in text.out and "\x1b[" not in text.out
    out = tmp_path / "summary.md"
    res = stepper("report", "--format", "markdown", "--output", str(out), cwd=two_commits.path)
    assert res.code == 0 and res.out == "" and out.read_text().startswith("# ")


def test_run_from_a_subfolder(two_commits: GitRepo) -> None:
    res = stepper("report", "--format", "json", cwd=two_commits.path / "src")
    assert res.code == 0 and json.loads(res.out)["commit"] == two_commits.head()


def test_unknown_revision_exits_3_with_one_sentence(two_commits: GitRepo) -> None:
    res = stepper_process("report", "no-such-revision", cwd=two_commits.path)
    assert res.code == 3
    assert "Unknown revision 'no-such-revision'" in res.err and "Traceback" not in res.err


def test_not_a_repository_exits_3(tmp_path: Path) -> None:
    res = stepper("report", cwd=tmp_path)
    assert res.code == 3 and "not inside a git repository" in res.err


def test_git_missing_exits_3(two_commits: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    res = stepper("report", cwd=two_commits.path)
    assert res.code == 3 and "git is not installed" in res.err


def test_broken_config_exits_4_naming_the_file(two_commits: GitRepo, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("not = = toml [\n")
    res = stepper_process("report", cwd=two_commits.path, env={"STEPPER_CONFIG": str(bad)})
    assert res.code == 4 and str(bad) in res.err and "Traceback" not in res.err


def test_unknown_key_in_repo_file_is_ignored_untrusted_and_exit_4_when_trusted(two_commits: GitRepo) -> None:
    (two_commits.path / ".stepper.toml").write_text("[evidence]\nmax_bytes = 3\n")
    res = stepper("report", cwd=two_commits.path)
    assert res.code == 0 and "evidence.max_bytes" in res.err
    res = stepper("config", "trust", "--yes", cwd=two_commits.path)
    assert res.code == 4 and "evidence.max_bytes" in res.err and ".stepper.toml" in res.err


def test_bad_flag_exits_2(two_commits: GitRepo) -> None:
    res = stepper_process("report", "--no-such-flag", cwd=two_commits.path)
    assert res.code == 2 and "no-such-flag" in res.err


def test_bad_format_value_exits_2(two_commits: GitRepo) -> None:
    assert stepper("report", "--format", "yaml", cwd=two_commits.path).code == 2


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    res = stepper_process("report", "--debug", cwd=tmp_path)
    assert res.code == 3 and "Traceback" in res.err


def test_untrusted_providers_warn_once_on_stderr(two_commits: GitRepo) -> None:
    (two_commits.path / ".stepper.toml").write_text("[[providers]]\nname='x'\nkind='ollama'\n")
    res = stepper("report", "--format", "json", cwd=two_commits.path)
    assert res.code == 0 and res.err.count("stepper config trust") == 1
    assert json.loads(res.out)["provider"] == "local"


def test_state_files_are_owner_only(two_commits: GitRepo, isolated_env: Path) -> None:
    (two_commits.path / ".stepper.toml").write_text("[cache]\nttl_seconds = 5\n")
    assert stepper("config", "trust", "--yes", cwd=two_commits.path).code == 0
    assert stepper("report", cwd=two_commits.path).code == 0
    for path in [isolated_env, *isolated_env.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_config_show_lists_sources_and_masks_secrets(two_commits: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEPPER_QUEUE__URL", "redis://:hunter2@127.0.0.1:6379/0")
    res = stepper("config", "show", "--json", cwd=two_commits.path)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["queue.url"] == {"value": "redis://:***@127.0.0.1:6379/0", "source": "env STEPPER_QUEUE__URL"}
    assert data["cache.ttl_seconds"]["source"] == "default"
    assert "hunter2" not in stepper("config", "show", cwd=two_commits.path).out


def test_config_path_and_init(two_commits: GitRepo, tmp_path: Path) -> None:
    res = stepper("config", "path", "--json", cwd=two_commits.path)
    assert json.loads(res.out)["repo_config"] == str(two_commits.path / ".stepper.toml")
    target = tmp_path / "starter.toml"
    assert stepper("config", "init", "--path", str(target)).code == 0
    assert "[retry]" in target.read_text()
    again = stepper("config", "init", "--path", str(target))
    assert again.code == 2 and "--force" in again.err


def test_python_m_and_version() -> None:
    res = stepper_process("--version")
    assert res.code == 0 and res.out.startswith("stepper ")

"""The command line as a person and a script meet it: one JSON story, range overviews, flag validation,
clear messages for empty and bare repositories, honest key status, completion of revisions and providers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stepper_cli.cli.complete import provider_names, revisions
from stepper_cli.cli.render import commit_type, render_reports
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo


@pytest.fixture
def three(repo: GitRepo) -> GitRepo:
    repo.commit("init: base", ("base.txt", "base\n"))
    repo.commit("feat: add a", ("a.py", "a = 1\n"))
    repo.commit("fix: correct b", ("b.py", "b = 1\n"))
    return repo


def test_report_json_is_format_json(three: GitRepo) -> None:
    a, b = stepper("report", "--json", cwd=three.path), stepper("report", "--format", "json", cwd=three.path)
    assert a.code == b.code == 0 and json.loads(a.out)["commit"] == json.loads(b.out)["commit"] == three.head()


def test_one_revision_is_an_object_a_range_an_array_even_of_one_and_jsonl_a_line_each(three: GitRepo) -> None:
    assert isinstance(json.loads(stepper("report", "--json", cwd=three.path).out), dict)
    one = json.loads(stepper("report", "HEAD~1..HEAD", "--json", cwd=three.path).out)
    assert isinstance(one, list) and len(one) == 1
    lines = stepper("report", "HEAD~2..HEAD", "--format", "jsonl", cwd=three.path).out.splitlines()
    assert [json.loads(line)["commit"] for line in lines] == [three.git("rev-parse", "HEAD~1"), three.head()]


def test_jsonl_to_an_output_file_holds_one_report_a_line(three: GitRepo, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    assert stepper("report", "HEAD~2..HEAD", "-f", "jsonl", "-o", str(out), cwd=three.path).code == 0
    assert len([json.loads(line) for line in out.read_text().splitlines()]) == 2


def test_a_markdown_range_opens_with_an_overview_table_then_the_sections(three: GitRepo) -> None:
    out = stepper("report", "HEAD~2..HEAD", "--format", "markdown", cwd=three.path).out
    overview, _, sections = out.partition("\n---\n")
    assert overview.startswith("# 2 commits") and "| commit | type | title | author | date | provider |" in overview
    assert "| feat |" in overview and "| fix |" in overview
    assert sections.count("\n# ") + sections.startswith("# ") + sections.startswith("\n# ") >= 2


def test_text_and_the_overview_show_author_and_date_when_the_report_carries_them() -> None:
    data = json.loads(json.dumps(SAMPLE))
    text = render_reports([data], "text", as_list=False)
    assert "Ada Tester · 2026-05-01T10:00:00+02:00" in text
    md = render_reports([data, data], "markdown", as_list=True)
    assert "| Ada Tester | 2026-05-01T10:00:00+02:00 |" in md


def test_the_commit_type_comes_from_the_title_prefix_or_a_tag() -> None:
    assert commit_type(SAMPLE) == "feat"
    assert (
        commit_type({**SAMPLE, "report": {**SAMPLE["report"], "title": "Plain title here", "tags": ["docs"]}}) == "docs"
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["worker", "--concurrency", "0"], "--concurrency must be 1 or more"),
        (["status", "--limit", "-1"], "--limit must be 0 or more"),
        (["report", "--offline", "--provider", "x"], "cannot be combined with --provider"),
    ],
)
def test_bad_flag_values_are_usage_errors_with_a_sentence(three: GitRepo, args: list[str], words: str) -> None:
    res = stepper(*args, cwd=three.path)
    assert res.code == 2 and words in res.err and "Traceback" not in res.err


def test_an_empty_repository_says_it_has_no_commits_yet(repo: GitRepo) -> None:
    for command in ("report", "enqueue"):
        res = stepper(command, cwd=repo.path)
        assert res.code == 3 and "has no commits yet" in res.err, res.err


def test_a_bare_repository_says_it_is_bare(tmp_path: Path) -> None:
    bare = GitRepo.init(tmp_path / "b.git", "--bare")
    res = stepper("report", cwd=bare.path)
    assert res.code == 3 and "is a bare repository" in res.err and "not inside" not in res.err


def test_report_verbose_says_when_it_is_a_cache_hit(three: GitRepo) -> None:
    assert stepper("report", cwd=three.path).code == 0
    res = stepper("report", "-v", cwd=three.path)
    assert res.code == 0 and "a cache hit" in res.err


def test_status_markdown_is_markdown_and_jsonl_one_job_a_line(three: GitRepo) -> None:
    stepper("enqueue", "HEAD~2..HEAD", cwd=three.path)
    md = stepper("status", "--format", "markdown", cwd=three.path).out
    assert "| job | state | commit |" in md
    lines = stepper("status", "--format", "jsonl", cwd=three.path).out.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["state"] == "queued" for line in lines)


def test_status_of_a_cached_commit_shows_no_empty_times(three: GitRepo) -> None:
    stepper("report", cwd=three.path)
    res = stepper("status", "", "--wait", cwd=three.path)
    assert res.code == 0 and "None" not in res.out and "no job made it" in res.out


def test_worker_says_it_started_and_json_gives_its_counts(three: GitRepo) -> None:
    stepper("enqueue", cwd=three.path)
    res = stepper("worker", "--burst", "--json", cwd=three.path)
    assert res.code == 0 and "worker: started" in res.err
    assert json.loads(res.out) == {"done": 1, "failed": 0, "deferred": 0, "requeued": 0}


def test_config_init_json_names_the_file(tmp_path: Path) -> None:
    res = stepper("config", "init", "--path", str(tmp_path / "c.toml"), "--json")
    assert res.code == 0 and json.loads(res.out) == {"path": str(tmp_path / "c.toml")}


def test_providers_says_the_key_variable_is_unset_instead_of_no_key_needed(
    three: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[[providers]]\nname = "remote"\nkind = "openai"\napi_key_env = "MY_TEAM_KEY"\n'
        '[[providers]]\nname = "box"\nkind = "ollama"\nbase_url = "http://127.0.0.1:9"\napi_key_env = "BOX_KEY"\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    out = stepper("providers", cwd=three.path).out
    assert "MY_TEAM_KEY" in out and "BOX_KEY is unset" in out and "no key needed" not in out


def test_revisions_complete_branches_tags_recent_commits_and_the_right_side_of_a_range(
    three: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    three.git("branch", "feature/x")
    three.git("tag", "v1.0")
    monkeypatch.chdir(three.path)
    found = revisions("")
    assert {"main", "feature/x", "v1.0", three.head()[:7]} <= {r[:7] if len(r) > 12 else r for r in found}
    assert revisions("fea") == ["feature/x"]
    assert revisions("main..v") == ["main..v1.0"]


def test_provider_names_complete_from_the_config_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[[providers]]\nname = "primary"\nkind = "openai"\n[[providers]]\nname = "backup"\nkind = "groq"\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    assert provider_names("") == ["primary", "backup", "local"] and provider_names("b") == ["backup"]


def test_bash_completes_revisions_through_the_installed_script(three: GitRepo) -> None:
    root = Path(__file__).resolve().parents[2]
    script = (
        f"source '{root / 'completions' / 'stepper.bash'}'\n"
        "COMP_WORDS=(stepper report ma); COMP_CWORD=2\n"
        '_stepper_completion stepper\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, cwd=three.path,
                          timeout=60)  # fmt: skip
    assert "main" in proc.stdout.split(), proc.stderr


SAMPLE = {
    "schema_version": 1,
    "commit": "a" * 40,
    "repo": "demo",
    "author": "Ada Tester",
    "date": "2026-05-01T10:00:00+02:00",
    "report": {
        "title": "feat: add the retry wrapper",
        "summary": "s" * 60,
        "changes": ["one"],
        "rationale": "r" * 30,
        "impact_and_tests": "i" * 30,
        "next_steps": [],
        "tags": [],
    },
    "provider": "local",
    "fallback": False,
    "cached": False,
    "attempts": [],
    "redactions": 0,
    "coverage": {"files": 1, "files_in_prompt": 1, "diff_bytes": 1, "diff_bytes_in_prompt": 1, "truncated": False},
    "timings": {"total_ms": 1},
}


def test_worker_prints_one_line_per_finished_job_with_verbose(three: GitRepo) -> None:
    stepper("enqueue", "HEAD~2..HEAD", cwd=three.path)
    res = stepper("worker", "--burst", "-v", cwd=three.path)
    assert res.code == 0 and res.err.index("worker: started") < res.err.index("done")
    assert len([line for line in res.err.splitlines() if " done " in line and "job " in line]) == 2


class _FakeTerminal:
    """A stderr that says it is a terminal and keeps what was written."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_a_range_on_a_terminal_gets_a_progress_bar_on_stderr_and_none_in_a_pipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from stepper_cli.cli.lean.report import ReportArgs, _progress

    shas = ["a" * 40, "b" * 40]
    fake = _FakeTerminal()
    assert list(_progress(shas, ReportArgs(), cached=0)) == shas  # stderr is not a terminal here
    monkeypatch.setattr("sys.stderr", fake)
    monkeypatch.setenv("NO_COLOR", "1")
    assert list(_progress(shas, ReportArgs(quiet=True), cached=0)) == shas and fake.parts == []
    assert list(_progress(shas, ReportArgs(), cached=1)) == shas and fake.parts == []  # one to generate: no bar
    assert list(_progress(shas, ReportArgs(), cached=0)) == shas
    assert "Reports" in "".join(fake.parts)

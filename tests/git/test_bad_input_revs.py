"""Bad input: revisions. Garbage, names that are both a branch and a tag, and every `..` form.

Garbage is exit 3 with one sentence naming the revision (exit 2 when it looks like an option); a name that
is both a tag and a branch resolves as git resolves it (the tag: refs/tags comes before refs/heads); `A..`,
`..B` and `A...B` mean what they mean to git, oldest first; an empty range is exit 0 and an empty list
(a range with neither end, `..`, is refused: tests/jobs/test_jobs_bad_input.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo


@pytest.fixture
def history(repo: GitRepo) -> dict[str, str]:
    """main: a - b - c; topic (from a): t1 - t2; tag v1 on b; a branch and a tag both named `twin`."""
    shas = {"a": repo.commit("feat: a", ("a.py", "a = 1\n"))}
    shas["b"] = repo.commit("feat: b", ("b.py", "b = 1\n"))
    repo.git("tag", "v1")
    repo.git("checkout", "-q", "-b", "topic", shas["a"])
    shas["t1"] = repo.commit("feat: t1", ("t1.py", "t = 1\n"))
    shas["t2"] = repo.commit("feat: t2", ("t2.py", "t = 2\n"))
    repo.git("checkout", "-q", "main")
    shas["c"] = repo.commit("feat: c", ("c.py", "c = 1\n"))
    repo.git("branch", "twin", shas["t1"])
    repo.git("tag", "twin", shas["a"])
    return shas


def commits_of(repo: GitRepo, spec: str) -> list[str]:
    out = stepper("report", spec, "--offline", "--format", "json", cwd=repo.path)
    assert out.code == 0, out.err
    data = json.loads(out.out)
    return [r["commit"] for r in (data if isinstance(data, list) else [data])]


def test_range_forms_mean_what_they_mean_to_git(repo: GitRepo, history: dict[str, str]) -> None:
    h = history
    assert commits_of(repo, f"{h['a']}..") == [h["b"], h["c"]]  # A.. is A..HEAD
    assert commits_of(repo, f"..{h['a']}") == []  # ..B is HEAD..B
    assert commits_of(repo, "main..topic") == [h["t1"], h["t2"]]
    assert commits_of(repo, "..topic") == [h["t1"], h["t2"]]
    assert sorted(commits_of(repo, "main...topic")) == sorted([h["b"], h["c"], h["t1"], h["t2"]])
    assert commits_of(repo, "v1..main") == [h["c"]]
    assert commits_of(repo, f"{h['c']}") == [h["c"]]


@pytest.mark.parametrize("spec", ["HEAD..HEAD", "main..v1"])
def test_an_empty_range_is_exit_0_with_an_empty_list_and_a_note(
    repo: GitRepo, history: dict[str, str], spec: str
) -> None:
    out = stepper("report", spec, "--offline", "--format", "json", cwd=repo.path)
    assert out.code == 0 and json.loads(out.out) == [] and f"No commits in {spec}." in out.err


def test_a_name_that_is_both_a_tag_and_a_branch_resolves_to_the_tag_as_git_does(
    repo: GitRepo, history: dict[str, str]
) -> None:
    assert repo.git("rev-parse", "twin") == history["a"]  # git's own answer
    assert commits_of(repo, "twin") == [history["a"]]
    assert commits_of(repo, "heads/twin") == [history["t1"]]  # the branch, spelled out
    assert commits_of(repo, "tags/twin") == [history["a"]]


@pytest.mark.parametrize(
    "spec",
    ["nope", "HEAD~99", "HEAD^{tree}", "HEAD:a.py", "a.py", "v1..nope", "nope..v1", "a..b..c", "HEAD@{99}",
     "main:", "^", "~", "\u00e9t\u00e9", "ref with spaces", "refs/heads/", "x" * 5000],
)  # fmt: skip
def test_a_bad_revision_is_exit_3_with_one_sentence(repo: GitRepo, history: dict[str, str], spec: str) -> None:
    for command in ("report", "enqueue"):
        out = stepper(command, spec, cwd=repo.path)
        assert out.code == 3 and "Traceback" not in out.err, (command, out)
        assert len(out.err.strip().splitlines()) <= 2, out.err


def test_an_option_in_place_of_a_revision_is_a_usage_error_or_refused(repo: GitRepo, history: dict[str, str]) -> None:
    assert stepper("report", "--not-a-flag", cwd=repo.path).code == 2
    refused = stepper("report", "--", "-x", cwd=repo.path)
    assert refused.code == 3 and "'-x' is not a revision" in refused.err


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_any_text_as_a_revision_is_a_report_or_exit_2_or_3(spec: str, repo: GitRepo, isolated_env: Path) -> None:
    if not (repo.path / "a.py").exists():
        repo.commit("feat: a", ("a.py", "a = 1\n"))
    out = stepper("report", spec, "--offline", "--format", "json", cwd=repo.path)
    assert "Traceback" not in out.err
    assert out.code in (0, 2, 3), out
    if out.code == 0 and spec in ("-h", "--help"):  # an option like any other: it asks for the command's help
        assert out.out.startswith("Usage: stepper report"), out
    elif out.code == 0:
        assert isinstance(json.loads(out.out), dict | list)
    elif out.code == 2:  # it looked like an option: click's usage lines, then its one error line
        assert out.err.strip().splitlines()[-1].startswith("Error: "), out.err
    else:
        assert 1 <= len(out.err.strip().splitlines()) <= 2, out.err

"""The rationale is the message as its author wrote it; the title carries the subject once, prefixed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from stepper_cli.generate.local.analyzer import analyze
from stepper_cli.generate.local.message import parse_subject, prose, squashed_subjects
from stepper_cli.git.commits import open_repo, read_commit
from stepper_cli.report.model import Report
from tests.support.gitutil import GitRepo


@pytest.fixture
def project(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "project")
    repo.commit("Initial import", ("src/app/core.py", "def run():\n    return 1\n"))
    return repo


def report_for(repo: GitRepo, message: str) -> Report:
    repo.write("src/app/core.py", f"def run():\n    return {len(message)}\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "--cleanup=verbatim", "-m", message)
    return analyze(read_commit(open_repo(repo.path), repo.head()))


def test_known_trailers_are_dropped_and_prose_lines_that_look_like_trailers_are_kept(project: GitRepo) -> None:
    body = "Reason: large repositories made it slow.\nFeature: version schemes endpoint"
    trailers = "Signed-off-by: Ada <ada@example.com>\nCo-authored-by: Bob <bob@example.com>\nChange-Id: I0123abcd"
    report = report_for(project, f"fix: speed up run\n\n{body}\n\n{trailers}")
    assert report.rationale == body


def test_ci_directives_are_neither_rationale_nor_title(project: GitRepo) -> None:
    report = report_for(project, "chore(release): 1.4.0 [skip ci]\n\n[skip ci]\n\nCut the 1.4.0 release.")
    assert report.title == "chore(release): 1.4.0"
    assert report.rationale == "Cut the 1.4.0 release."


def test_a_squash_merge_body_becomes_the_list_of_squashed_subjects(project: GitRepo) -> None:
    body = (
        "* docs(config): document `repo_dir`\n\n* test(fixtures): use a parent dir\n\nsome detail of the second\n\n"
        "* test: add the e2e check\n\n---------\n\nCo-authored-by: Bob <bob@example.com>"
    )
    report = report_for(project, f"fix(config): warn about .git in a parent dir (#1444)\n\n{body}")
    assert report.rationale == (
        "Squash of 3 commits:\n- docs(config): document `repo_dir`\n- test(fixtures): use a parent dir\n"
        "- test: add the e2e check"
    )
    assert "Co-authored-by" not in report.rationale and "---" not in report.rationale


def test_what_follows_a_separator_line_is_left_out(project: GitRepo) -> None:
    body = (
        "This PR contains the following updates:\n\n| Package | Change |\n|---|---|\n| js-yaml | 4.3.0 → 4.3.1 |\n\n"
        "---\n\n### Configuration\n\n📅 **Schedule**: (UTC)\n\n<!--renovate-debug:abc-->"
    )
    report = report_for(project, f"chore(deps): update dependency js-yaml to v4.3.1\n\n{body}")
    assert report.rationale.startswith("This PR contains the following updates:")
    assert "Configuration" not in report.rationale and "renovate-debug" not in report.rationale


def test_dependabots_metadata_block_is_not_rationale() -> None:
    body = (
        "Bumps [ruff](https://github.com/astral-sh/ruff) from 0.4.1 to 0.4.2.\n\n---\nupdated-dependencies:\n"
        "- dependency-name: ruff\n  dependency-type: direct:development\n...\n\nSigned-off-by: dependabot[bot] <x@y>"
    )
    assert prose(body) == ["Bumps [ruff](https://github.com/astral-sh/ruff) from 0.4.1 to 0.4.2."]


def test_every_prose_paragraph_is_kept_in_order() -> None:
    body = "First, why.\n\nSecond, how.\n\nBREAKING CHANGE: run() needs x."
    assert prose(body) == ["First, why.", "Second, how.", "BREAKING CHANGE: run() needs x."]


def test_a_list_inside_a_paragraph_is_not_a_squash() -> None:
    assert squashed_subjects(prose("Changes:\n* one\n* two")) == []


def test_the_subject_appears_once_in_the_report(project: GitRepo) -> None:
    report = report_for(project, "Make run return the message length")
    text = " ".join([report.title, report.summary, report.rationale, report.impact_and_tests, *report.next_steps])
    assert text.count("Make run return the message length") == 1


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("bump: version 4.16.5 → 4.17.0", "bump: version 4.16.5 → 4.17.0"),
        ("deps: bump httpx", "deps: bump httpx"),
        ("Fix(core) :  return two", "fix(core): return two"),
        ('Revert "feat: return seven"', "revert: feat: return seven"),
    ],
)
def test_a_title_never_gets_a_second_prefix(project: GitRepo, subject: str, title: str) -> None:
    assert report_for(project, subject).title == title


def test_an_unknown_prefix_is_recorded_as_a_prefix_but_not_as_a_type() -> None:
    subject = parse_subject("bump: version 1.2 → 1.3")
    assert subject.type is None and subject.prefixed


def test_a_scope_that_repeats_a_tag_is_said_once(project: GitRepo) -> None:
    project.write("requirements.txt", "httpx==0.28\n")
    report = report_for(project, "build(deps): pin httpx")
    assert report.tags.count("dependencies") == 1 and "deps" not in report.tags

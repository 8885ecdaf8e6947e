"""The local analyzer, on commits made by the real git in temporary repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepper_cli.generate.local.analyzer import analyze, parse_subject
from stepper_cli.git.commits import Commit, FileChange, open_repo, read_commit
from stepper_cli.report.model import Report
from tests.support.gitutil import GitRepo


def commit(repo: GitRepo, message: str, *extra: str) -> Commit:
    """Stage everything, commit it and read the commit back."""
    repo.git("add", "-A")
    repo.git("commit", "-q", "--allow-empty-message", "-m", message, *extra)
    return read("HEAD", repo)


def read(rev: str, repo: GitRepo) -> Commit:
    return read_commit(open_repo(repo.path), repo.git("rev-parse", rev))


@pytest.fixture
def project(tmp_path: Path) -> GitRepo:
    """A repository whose first commit holds a small Python project."""
    repo = GitRepo.init(tmp_path / "project")
    repo.write("src/app/core.py", "def run():\n    return 1\n")
    repo.write("tests/test_core.py", "def test_run():\n    assert True\n")
    repo.write("README.md", "# app\n")
    commit(repo, "Initial import")
    return repo


def report_of(made: Commit) -> Report:
    """Analyze a commit, checking the report is valid and the same every time."""
    report = analyze(made)
    assert Report.model_validate(report.model_dump()) == report
    assert analyze(made) == report
    return report


def test_a_conventional_subject_with_a_scope_keeps_its_type_and_scope(project: GitRepo) -> None:
    project.write("src/api/paging.py", "def page(items, size):\n    return items[:size]\n")
    project.write("tests/test_paging.py", "def test_page():\n    assert True\n")
    report = report_of(commit(project, "feat(api): add paging"))
    assert report.title == "feat(api): add paging"
    assert report.changes == [
        "Added src/api/paging.py (+2): added page",
        "Added tests/test_paging.py (+2): added test_page",
    ]
    assert report.tags[:2] == ["feat", "api"]
    assert "python" in report.tags
    assert "Tests changed: tests/test_paging.py." in report.impact_and_tests


def test_a_conventional_type_is_normalised_to_lowercase_with_one_space(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run():\n    return 2\n")
    assert report_of(commit(project, "Fix(core) :  return two")).title == "fix(core): return two"


def test_a_subject_with_an_unknown_prefix_is_plain_text_and_gets_an_inferred_type() -> None:
    assert parse_subject("Note: this is not a type").type is None
    assert parse_subject("Feature: paging").type == "feat"


def test_a_subject_without_a_type_touching_only_docs_is_a_docs_commit(project: GitRepo) -> None:
    project.write("README.md", "# app\n\nInstall with pip.\n")
    project.write("docs/install.md", "Steps\n")
    report = report_of(commit(project, "Fix the install steps"))
    assert report.title == "docs: Fix the install steps"
    assert report.tags[0] == "docs"
    assert "Documentation changed: README.md and docs/install.md." in report.impact_and_tests
    assert not any("Add or update tests" in step for step in report.next_steps)


def test_a_subject_without_a_type_touching_only_tests_is_a_test_commit(project: GitRepo) -> None:
    project.write("tests/test_core.py", "def test_run():\n    assert run() == 1\n")
    assert report_of(commit(project, "Cover the run function")).title == "test: Cover the run function"


def test_a_subject_without_a_type_touching_only_ci_files_is_a_ci_commit(project: GitRepo) -> None:
    project.write(".github/workflows/ci.yml", "on: push\n")
    report = report_of(commit(project, "Run the suite on every push"))
    assert report.title == "ci: Run the suite on every push"
    assert "CI configuration changed: .github/workflows/ci.yml." in report.impact_and_tests
    assert any("CI run" in step for step in report.next_steps)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Stop the parser crashing on empty input", "fix"),
        ("Add a --json flag", "feat"),
        ("Extract the runner into its own function", "refactor"),
        ("Make run faster with a cache", "perf"),
        ("Tweak run", "fix"),  # code changed and nothing says otherwise: the commonest type of such a change
    ],
)
def test_a_subject_without_a_type_is_typed_from_its_words(project: GitRepo, subject: str, expected: str) -> None:
    project.write("src/app/core.py", "def run():\n    return 3\n")
    assert report_of(commit(project, subject)).title == f"{expected}: {subject}"


def test_a_fix_with_a_body_gives_the_body_as_rationale_without_trailers(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run(x=None):\n    return 1 if x is None else x\n")
    project.write("tests/test_core.py", "def test_run_none():\n    assert True\n")
    body = "run() crashed when called with None because it assumed a number.\n\nIt now defaults to 1."
    made = commit(project, f"fix: accept None in run\n\n{body}\n\nSigned-off-by: Ada Tester <ada@example.com>")
    report = report_of(made)
    assert report.title == "fix: accept None in run"
    assert report.rationale == body
    assert "Modified src/app/core.py (+2/-2): changed run" in report.changes


def test_a_commit_without_a_body_says_its_rationale_is_unstated_without_repeating_the_subject(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run():\n    return 4\n")
    report = report_of(commit(project, "Tweak run"))
    assert report.rationale == "The message has no body, so the reason for the change is not recorded."
    assert "Tweak run" not in report.summary + report.rationale + report.impact_and_tests


def test_a_root_commit_is_described_as_the_initial_commit(project: GitRepo) -> None:
    report = report_of(read("HEAD", project))
    assert report.summary.startswith("Initial commit of the repository, adding 3 files.")
    assert "initial" in report.tags
    assert len(report.changes) == 3


def test_a_merge_commit_says_it_merges_and_compares_with_its_first_parent(project: GitRepo) -> None:
    first_parent = project.git("rev-parse", "HEAD")
    project.git("checkout", "-q", "-b", "topic")
    project.write("src/app/extra.py", "X = 1\n")
    commit(project, "feat: add extra")
    project.git("checkout", "-q", "main")
    project.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
    report = report_of(read("HEAD", project))
    assert report.title == "Merge branch 'topic'"
    assert f"Merge commit joining 2 parents; against its first parent ({first_parent[:12]})" in report.summary
    assert report.changes == ["Added src/app/extra.py (+1)"]
    assert "merge" in report.tags
    assert "As a merge" in report.impact_and_tests


def test_an_empty_commit_says_it_has_no_file_changes(project: GitRepo) -> None:
    report = report_of(commit(project, "Trigger a deploy", "--allow-empty"))
    assert "An empty commit: it has no file changes" in report.summary
    assert report.changes == ["No file changes: the commit records a message only."]
    assert report.next_steps == []


def test_an_empty_commit_with_an_empty_subject_still_gets_a_valid_title(project: GitRepo) -> None:
    report = report_of(commit(project, "", "--allow-empty"))
    assert report.title == "record an empty commit with no file changes"
    assert report.tags == []  # no type: nothing to infer one from


def test_a_one_character_subject_is_replaced_by_what_the_commit_does(project: GitRepo) -> None:
    for name in ("a", "b", "c"):
        project.write(f"lib/{name}.py", "x = 1\n")
    assert report_of(commit(project, "x")).title == "feat: add 3 files in lib"
    for name in ("a", "b", "c"):
        project.write(f"lib/{name}.py", "x = 2\n")
    assert report_of(commit(project, ".")).title == "fix: update 3 files in lib"


def test_a_short_subject_is_padded_to_the_minimum_title_length(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run():\n    return 5\n")
    assert report_of(commit(project, "fix: typo")).title == "fix: typo (update src/app/core.py)"


def test_a_long_subject_is_cut_at_a_word_boundary_with_an_ellipsis(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run():\n    return 6\n")
    title = report_of(commit(project, "feat: " + "make the runner considerably smarter " * 8)).title
    assert len(title) <= 120
    assert title.endswith("smarter…") or title.endswith("runner…") or title.endswith("considerably…")


def test_a_revert_subject_becomes_a_revert_title(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run():\n    return 7\n")
    commit(project, "feat: return seven")
    project.git("revert", "--no-edit", "HEAD")
    report = report_of(read("HEAD", project))
    assert report.title == "revert: feat: return seven"
    assert "This reverts commit" in report.rationale


def test_a_pure_rename_is_a_refactor_listed_with_an_arrow(project: GitRepo) -> None:
    project.git("mv", "src/app/core.py", "src/app/engine.py")
    report = report_of(commit(project, "Tidy module names"))
    assert report.title == "refactor: Tidy module names"
    assert report.changes == ["Renamed src/app/core.py → src/app/engine.py"]
    assert "1 renamed" in report.summary


def test_a_binary_file_is_marked_binary(project: GitRepo) -> None:
    project.write("assets/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    report = report_of(commit(project, "Add the logo"))
    assert report.changes == ["Added assets/logo.png (binary)"]
    assert "1 binary file" in report.summary
    assert "Binary files changed: assets/logo.png." in report.impact_and_tests


def test_a_dependency_and_lock_file_change_is_a_build_commit_tagged_once(project: GitRepo) -> None:
    project.write("pyproject.toml", '[project]\ndependencies = ["httpx>=0.28"]\n')
    project.write("uv.lock", "httpx 0.28\n")
    report = report_of(commit(project, "Bump httpx to 0.28"))
    assert report.title == "build: Bump httpx to 0.28"
    assert report.tags.count("dependencies") == 1 and "deps" not in report.tags
    assert "Dependency manifests changed: pyproject.toml." in report.impact_and_tests
    assert "Lock files changed: uv.lock." in report.impact_and_tests


def test_a_migration_asks_for_review_before_deploying(project: GitRepo) -> None:
    project.write("migrations/0002_add_index.py", "def upgrade():\n    pass\n")
    report = report_of(commit(project, "feat: index users by email"))
    assert "Review the migration migrations/0002_add_index.py before deploying." in report.next_steps
    assert "Migrations or schemas changed: migrations/0002_add_index.py." in report.impact_and_tests
    assert "migration" in report.tags


def test_a_source_change_without_tests_asks_for_tests(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run():\n    return 8\n")
    report = report_of(commit(project, "fix: return eight"))
    assert report.next_steps[0] == "Add or update tests for src/app/core.py: code changed and no test did."
    assert "No tests changed although 1 source file did." in report.impact_and_tests


def test_no_next_step_is_generic_advice_such_as_a_changelog_entry(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run():\n    return 9\n")
    project.write("tests/test_core.py", "def test_run():\n    assert run() == 9\n")
    assert report_of(commit(project, "feat: nine")).next_steps == []


def test_a_breaking_feat_is_tagged_breaking_and_asks_for_migration_notes(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run(x):\n    return x\n")
    report = report_of(commit(project, "feat!: require an argument to run"))
    assert report.title == "feat!: require an argument to run"
    assert report.tags[:2] == ["feat", "breaking"]
    assert "Document the breaking change and how users should migrate: no docs changed with it." in report.next_steps
    assert "The message marks this as a breaking change." in report.impact_and_tests


def test_a_breaking_change_footer_marks_the_title_breaking(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run(x):\n    return x * 2\n")
    made = commit(project, "feat(core): double the argument\n\nBREAKING CHANGE: run() now needs x.")
    report = report_of(made)
    assert report.title == "feat(core)!: double the argument"
    assert "breaking" in report.tags


def test_security_sensitive_files_ask_for_a_security_review(project: GitRepo) -> None:
    project.write("src/app/auth.py", "def login(user):\n    return True\n")
    report = report_of(commit(project, "feat: log users in"))
    assert "Ask for a security review of src/app/auth.py." in report.next_steps
    assert "Security-sensitive files changed: src/app/auth.py." in report.impact_and_tests


def test_a_public_api_change_is_called_out(project: GitRepo) -> None:
    project.write("src/app/__init__.py", "from .core import run\n")
    report = report_of(commit(project, "feat: export run"))
    assert "Public API surface touched (callers may be affected): src/app/__init__.py." in (report.impact_and_tests)
    assert "api" in report.tags


def test_a_todo_added_in_the_diff_asks_to_resolve_it_but_a_removed_one_does_not(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run():\n    # TODO: handle errors\n    return 1\n")
    assert "Resolve the TODO added in src/app/core.py." in report_of(commit(project, "Note a gap")).next_steps
    project.write("src/app/core.py", "def run():\n    return 1\n")
    assert not any("TODO" in step for step in report_of(commit(project, "Close the gap")).next_steps)


def test_content_lines_that_look_like_file_headers_are_read_as_content(project: GitRepo) -> None:
    # `+++i` and `--- x` are an added `++i` and a removed `-- x`, after the hunk header: not git's file header
    project.write("src/count.c", "int count(int i) {\n-- i;\nreturn i;\n}\n")
    commit(project, "Add count")
    project.write("src/count.c", "int count(int i) {\n++i; // TODO: bound it\nreturn i;\n}\n")
    report = report_of(commit(project, "Count up"))
    assert "Resolve the TODO added in src/count.c." in report.next_steps
    project.write("src/count.c", "int count(int i) {\n++i;   // TODO: bound it\nreturn i;\n}\n")
    assert report_of(commit(project, "Align the comment")).tags[:2] == ["style", "inferred:whitespace-only"]


def test_removing_files_reports_a_large_deletion(project: GitRepo) -> None:
    project.write("src/app/old.py", "".join(f"x{i} = {i}\n" for i in range(250)))
    commit(project, "Add old module")
    project.git("rm", "-q", "src/app/old.py")
    report = report_of(commit(project, "Drop the old module"))
    assert report.changes == ["Removed src/app/old.py (-250)"]
    assert "Large deletion: 1 file removed (src/app/old.py) and 250 lines deleted." in report.impact_and_tests


def test_a_submodule_pointer_update_names_both_commits(project: GitRepo, tmp_path: Path) -> None:
    sub = GitRepo.init(tmp_path / "lib")
    old = sub.commit("one", ("lib.txt", "one\n"))
    project.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "vendor/lib")
    commit(project, "Add the lib submodule")
    new = sub.commit("two", ("lib.txt", "two\n"))
    project.git("-C", "vendor/lib", "pull", "-q", "origin", "main")
    report = report_of(commit(project, "Update lib"))
    assert report.changes == [f"Updated submodule pointer vendor/lib ({old[:12]} → {new[:12]})"]
    assert "1 submodule pointer" in report.summary


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_a_file_turned_into_a_symlink_is_a_type_change(project: GitRepo) -> None:
    (project.path / "README.md").unlink()
    (project.path / "README.md").symlink_to("docs.md")
    report = report_of(commit(project, "Point the readme at the docs"))
    assert report.changes == ["Changed the type of README.md (now a symlink)"]


def test_a_five_thousand_file_commit_is_grouped_within_the_bounds(project: GitRepo) -> None:
    for i in range(5000):
        project.write(f"gen/part{i % 20}/file{i}.txt", f"line {i}\n")
    project.write("src/app/core.py", "def run():\n    return 11\n")
    report = report_of(commit(project, "Generate the fixtures"))
    assert report.changes == ["Added 5,000 files under gen/ (+5,000)", "Modified src/app/core.py (+1/-1)"]
    assert "This commit changes 5,001 files (5,000 added, 1 modified)." in report.summary


def test_changes_across_more_than_fifty_folders_fold_the_smallest_into_one_line(project: GitRepo) -> None:
    for i in range(120):
        for j in range(1 + (i < 10)):
            project.write(f"area{i:03}/f{j}.txt", "x\n")
    report = report_of(commit(project, "Spread files around"))
    assert len(report.changes) == 50
    assert report.changes[0] == "Added 2 files under area000/ (+2)"
    assert report.changes[-1] == "Added 71 more files in 71 other folders (+71)"


# read_commit decodes with "replace", so a commit never holds lone surrogates (category Cs)
decoded = st.characters(blacklist_categories=["Cs"])
segments = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="/"), min_size=1, max_size=30
)
file_changes = st.builds(
    FileChange,
    path=st.lists(segments, min_size=1, max_size=4).map("/".join),
    status=st.sampled_from(["added", "modified", "deleted", "renamed", "copied", "type_changed", "unknown"]),
    old_path=st.one_of(st.none(), segments),
    added=st.integers(0, 10**6),
    deleted=st.integers(0, 10**6),
    binary=st.booleans(),
    submodule=st.booleans(),
    diff=st.text(decoded, max_size=200),
)


@settings(max_examples=150, deadline=None)
@given(
    subject=st.text(decoded, max_size=300),
    body=st.text(decoded, max_size=3000),
    parents=st.lists(st.text("0123456789abcdef", min_size=40, max_size=40), max_size=3),
    files=st.lists(file_changes, max_size=80),
)
def test_any_commit_gives_a_report_within_the_contract_bounds(
    subject: str, body: str, parents: list[str], files: list[FileChange]
) -> None:
    made = Commit(
        sha="f" * 40, parents=tuple(parents), author_name="Ada", author_email="ada@example.com",
        author_date="2024-05-01T12:00:00+00:00", committer_name="Ada", committer_email="ada@example.com",
        committer_date="2024-05-01T12:00:00+00:00", subject=" ".join(subject.split()), body=body.strip(),
        files=tuple(files),
    )  # fmt: skip
    report = report_of(made)
    assert all(tag == tag.lower() for tag in report.tags)
    assert len(set(report.tags)) == len(report.tags)

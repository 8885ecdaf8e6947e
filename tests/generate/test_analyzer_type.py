"""The local analyzer names a commit's type with a rule it can name, on commits made by the real git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stepper_cli.generate.local.analyzer import analyze
from stepper_cli.generate.local.message import TYPES
from stepper_cli.git.commits import Commit, open_repo, read_commit
from stepper_cli.git.contents import CommitContents
from stepper_cli.report.model import Report
from tests.support.gitutil import GitRepo


@pytest.fixture
def project(tmp_path: Path) -> GitRepo:
    """A small Python and JavaScript project with docs, tests, CI and manifests."""
    repo = GitRepo.init(tmp_path / "project")
    repo.write("src/app/core.py", "def run(x):\n    return x\n\n\ndef stop():\n    return None\n")
    repo.write("src/app/cli.py", "import sys\n\n\ndef main():\n    return run(sys.argv)\n")
    repo.write("tests/test_core.py", "def test_run():\n    assert run(1) == 1\n")
    repo.write("docs/usage.md", "# Usage\n")
    repo.write("README.md", "# app\n")
    repo.write(".github/workflows/ci.yml", "on: push\njobs: {}\n")
    repo.write("package.json", json.dumps({"version": "1.2.0", "dependencies": {"execa": "^5.0.0"},
                                           "devDependencies": {"ava": "^4.0.0"}}, indent=2) + "\n")  # fmt: skip
    repo.write("CHANGELOG.md", "# Changelog\n")
    repo.commit("Initial import")
    return repo


def typed(repo: GitRepo, message: str) -> Report:
    """Commit everything staged or written, then analyze it with its contents at both revisions."""
    repo.git("add", "-A")
    repo.git("commit", "-q", "--allow-empty", "-m", message)
    made: Commit = read_commit(open_repo(repo.path), repo.head())
    return analyze(made, CommitContents(repo.path, made.sha))


def kind_and_rule(report: Report) -> tuple[str, str]:
    rule = next((t.removeprefix("inferred:") for t in report.tags if t.startswith("inferred:")), "")
    return report.tags[0] if report.tags and report.tags[0] in TYPES else "", rule


def test_the_type_comes_first_in_the_tags_and_the_rule_that_named_it_next(project: GitRepo) -> None:
    project.write("docs/usage.md", "# Usage\n\nRun it.\n")
    report = typed(project, "Explain how to run it")
    assert report.tags[:2] == ["docs", "inferred:docs-only"]
    assert report.title == "docs: Explain how to run it"


def test_a_stated_type_is_kept_and_carries_no_rule(project: GitRepo) -> None:
    project.write("docs/usage.md", "# Usage\n\nRun it.\n")
    report = typed(project, "fix(docs): explain how to run it")
    assert report.tags[0] == "fix" and not any(t.startswith("inferred:") for t in report.tags)


def test_no_tag_but_the_first_is_a_type_name(project: GitRepo) -> None:
    project.write("test/x.test.js", "test('x', () => {})\n")  # a folder named like a type
    project.write("docs/usage.md", "# Usage\n\nMore.\n")
    report = typed(project, "Write more")
    assert [t for t in report.tags[1:] if t in TYPES] == []


@pytest.mark.parametrize(
    ("files", "subject", "expected"),
    [
        ({".github/workflows/ci.yml": "on: [push, pull_request]\njobs: {}\n"}, "Run on pull requests",
         ("ci", "ci-only")),
        ({"README.md": "# app\n\nInstall it.\n"}, "Fix the install steps", ("docs", "docs-only")),
        ({"tests/test_core.py": "def test_run():\n    assert run(2) == 2\n"}, "Cover two", ("test", "tests-only")),
        ({".editorconfig": "root = true\n"}, "Share editor settings", ("chore", "tooling")),
        ({"src/app/new.py": "def fresh():\n    return 1\n"}, "Fresh module", ("feat", "new-files")),
        ({"src/app/core.py": "def run(x):\n    return x or 0\n\n\ndef stop():\n    return None\n"},
         "Return zero for nothing", ("fix", "source-change")),
    ],
)  # fmt: skip
def test_what_the_files_are_names_the_type(
    project: GitRepo, files: dict[str, str], subject: str, expected: tuple[str, str]
) -> None:
    for path, text in files.items():
        project.write(path, text)
    assert kind_and_rule(typed(project, subject)) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Handle an empty argument list", ("fix", "subject-verb")),
        ("Prevent a crash on empty input", ("fix", "subject-verb")),
        ("Rename the runner's argument", ("refactor", "subject-verb")),
        ("Simplify the runner", ("refactor", "subject-verb")),
        ("Optimize the runner", ("perf", "subject-verb")),
        ("Runner raised an error on None", ("fix", "subject-word")),
        ("Support a --dry-run flag in the runner", ("feat", "subject-verb")),
    ],
)
def test_the_subject_names_the_type_of_a_code_change(project: GitRepo, subject: str, expected: tuple[str, str]) -> None:
    project.write("src/app/core.py", "def run(x):\n    return x if x else None\n\n\ndef stop():\n    return None\n")
    assert kind_and_rule(typed(project, subject)) == expected


def test_a_few_lines_added_to_existing_code_are_a_fix_whatever_the_verb(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run(x):\n    x = x or 1\n    return x\n\n\ndef stop():\n    return None\n")
    assert kind_and_rule(typed(project, "Add a default for x")) == ("fix", "small-addition")


def test_code_with_its_tests_and_its_docs_is_a_feature(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run(x, times=1):\n    return x * times\n\n\ndef stop():\n    return None\n")
    project.write("tests/test_core.py", "def test_run():\n    assert run(1, times=2) == 2\n")
    project.write("docs/usage.md", "# Usage\n\n`times` repeats the result.\n")
    assert kind_and_rule(typed(project, "Repeat results")) == ("feat", "documented-and-tested")


def test_a_body_announcing_a_new_option_makes_a_feature(project: GitRepo) -> None:
    project.write("src/app/cli.py", "import sys\n\n\ndef main():\n    return run(sys.argv[1:])\n")
    report = typed(project, "Pass only the arguments\n\nThis adds a new option for scripts that call main().")
    assert kind_and_rule(report) == ("feat", "body-feature")


def test_changing_only_imports_is_a_refactor(project: GitRepo) -> None:
    project.write("src/app/cli.py", "from sys import argv\n\n\ndef main():\n    return run(sys.argv)\n")
    assert kind_and_rule(typed(project, "Tidy the cli module")) == ("refactor", "subject-verb")
    project.write("src/app/cli.py", "import sys\n\n\ndef main():\n    return run(sys.argv)\n")
    assert kind_and_rule(typed(project, "Go back to the module import")) == ("refactor", "imports-only")


def test_moving_code_files_is_a_refactor_and_moving_tests_is_a_test_change(project: GitRepo) -> None:
    project.git("mv", "src/app/cli.py", "src/app/command.py")
    assert kind_and_rule(typed(project, "Better module name")) == ("refactor", "renames")
    project.git("mv", "tests/test_core.py", "tests/test_engine.py")
    assert kind_and_rule(typed(project, "Better test name")) == ("test", "tests-only")


def test_style_is_named_by_the_subject_or_by_a_whitespace_only_diff(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run(x):\n    return  x\n\n\ndef stop():\n    return None\n")
    assert kind_and_rule(typed(project, "Touch up core")) == ("style", "whitespace-only")
    project.write("src/app/core.py", "def run(x):\n    return x\n\n\ndef stop():\n    return None\n")
    assert kind_and_rule(typed(project, "Apply the formatter to core")) == ("style", "style")


@pytest.mark.parametrize(
    ("section", "subject", "expected"),
    [
        ("dependencies", "update dependency execa to v6", ("fix", "runtime-dependency")),
        ("devDependencies", "update dependency ava to v6", ("chore", "dev-dependency")),
        ("devDependencies", "bump ava from 4.0.0 to 6.0.0", ("build", "dependency-bump")),
    ],
)
def test_an_npm_dependency_update_follows_the_bots_conventions(
    project: GitRepo, section: str, subject: str, expected: tuple[str, str]
) -> None:
    data = json.loads((project.path / "package.json").read_text())
    name = next(iter(data[section]))
    data[section][name] = "^6.0.0"
    project.write("package.json", json.dumps(data, indent=2) + "\n")
    report = typed(project, subject)
    assert kind_and_rule(report) == expected
    assert any(f"{name} ^" in change and "→ ^6.0.0" in change for change in report.changes)


def test_lock_file_maintenance_is_a_chore(project: GitRepo) -> None:
    project.write("package-lock.json", json.dumps({"lockfileVersion": 3, "packages": {
        "node_modules/execa": {"version": "5.1.1"}}}) + "\n")  # fmt: skip
    assert kind_and_rule(typed(project, "Lock file maintenance")) == ("chore", "lock-maintenance")


def test_a_version_bump_with_its_changelog_is_a_release(project: GitRepo) -> None:
    data = json.loads((project.path / "package.json").read_text())
    project.write("package.json", json.dumps({**data, "version": "1.3.0"}, indent=2) + "\n")
    project.write("CHANGELOG.md", "# Changelog\n\n## 1.3.0\n\n- Faster runs.\n")
    report = typed(project, "Ship it")
    assert kind_and_rule(report) == ("chore", "release")
    assert "release" in report.tags
    assert report.summary.startswith("Release 1.3.0: the version goes from 1.2.0 to 1.3.0 in package.json")
    assert report.next_steps == []  # no "add tests", no "run the suite against the dependencies"


def test_a_commitizen_bump_keeps_its_own_prefix_and_is_a_release(project: GitRepo) -> None:
    project.write("src/app/__version__.py", '__version__ = "4.16.5"\n')
    typed(project, "Add a version module")
    project.write("src/app/__version__.py", '__version__ = "4.17.0"\n')
    project.write("CHANGELOG.md", "# Changelog\n\n## v4.17.0\n")
    report = typed(project, "bump: version 4.16.5 → 4.17.0")
    assert report.title == "bump: version 4.16.5 → 4.17.0"
    assert report.tags[0] == "chore" and "release" in report.tags
    assert not any(step.startswith("Add or update tests") for step in report.next_steps)


def test_the_reverts_line_git_writes_outranks_the_subjects_type(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run(x):\n    return 2 * x\n\n\ndef stop():\n    return None\n")
    typed(project, "fix: double it")
    project.git("revert", "--no-edit", "HEAD")
    project.git("commit", "-q", "--amend", "-m", "fix: double it again\n\nThis reverts commit " + "a" * 40 + ".")
    made = read_commit(open_repo(project.path), project.head())
    report = analyze(made)
    assert report.tags[0] == "revert"
    assert report.title == "fix: double it again"  # no second prefix


def test_a_merge_gets_no_type(project: GitRepo) -> None:
    project.git("checkout", "-q", "-b", "topic")
    project.write("src/app/extra.py", "X = 1\n")
    typed(project, "Add extra")
    project.git("checkout", "-q", "main")
    project.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
    report = analyze(read_commit(open_repo(project.path), project.head()))
    assert report.tags[0] == "merge" and report.title == "Merge branch 'topic'"


def test_a_refactor_or_a_style_change_is_not_asked_for_tests(project: GitRepo) -> None:
    project.write("src/app/core.py", "def run(value):\n    return value\n\n\ndef stop():\n    return None\n")
    report = typed(project, "refactor: name the argument")
    assert not any(step.startswith("Add or update tests") for step in report.next_steps)
    project.write("src/app/core.py", "def run(value):\n    return value + 1\n\n\ndef stop():\n    return None\n")
    report = typed(project, "fix: count from one")
    assert report.next_steps == ["Add or update tests for src/app/core.py: code changed and no test did."]

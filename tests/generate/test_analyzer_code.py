"""The local analyzer says what changed in the code: symbols, dependencies, names left dangling, credentials."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from stepper_cli.config.settings import EvidenceSettings
from stepper_cli.generate.evidence import build_evidence
from stepper_cli.generate.local.analyzer import analyze
from stepper_cli.generate.local.codefacts import read_code
from stepper_cli.generate.local.deps import changes, pinned_in_diff
from stepper_cli.generate.local.pysymbols import python_symbols
from stepper_cli.git.commits import Commit, open_repo, read_commit
from stepper_cli.git.contents import BlobReader, CommitContents
from stepper_cli.git.userdiff import function_context_options
from stepper_cli.report.model import Report
from tests.support.gitutil import GitRepo

CORE = """import os


class Runner:
    def start(self):
        return 1

    def stop(self):
        return 0


def helper(x):
    return x + 1


def legacy():
    return os.sep
"""


@pytest.fixture
def project(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "project")
    repo.commit("Initial import", ("src/app/core.py", CORE), ("src/app/cli.py", "from .core import legacy\n"))
    return repo


def commit_all(repo: GitRepo, message: str) -> Commit:
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message)
    return read_commit(open_repo(repo.path), repo.head())


def report_of(made: Commit, repo: GitRepo) -> Report:
    report = analyze(made, CommitContents(repo.path, made.sha))
    assert Report.model_validate(report.model_dump()) == report
    return report


def test_python_symbols_are_read_with_the_ast_and_methods_qualified(project: GitRepo) -> None:
    new = (
        CORE.replace("return 0", "return -1").replace("def helper(x)", "def bump(x)").replace("import os", "import sys")
    )
    new = new.replace("def legacy():\n    return os.sep\n", "def fresh():\n    return sys.platform\n")
    project.write("src/app/core.py", new)
    report = report_of(commit_all(project, "Rework the runner"), project)
    assert report.changes[0] == (
        "Modified src/app/core.py (+5/-5): added fresh; removed legacy; changed Runner.stop; renamed helper → bump;"
        " changed its imports"
    )
    assert "In the code it adds `fresh`, removes `legacy`, renames `helper` to `bump` and changes `Runner.stop`." in (
        report.summary
    )


def test_a_removed_public_name_that_other_files_still_use_is_called_out(project: GitRepo) -> None:
    project.write("src/app/core.py", CORE.replace("def legacy():\n    return os.sep\n", ""))
    report = report_of(commit_all(project, "Drop legacy"), project)
    assert "`legacy` left src/app/core.py, but src/app/cli.py still names it." in report.impact_and_tests
    assert "Update src/app/cli.py: it names `legacy`, which this commit removed." in report.next_steps


def test_a_name_moved_to_another_file_is_not_dangling(project: GitRepo) -> None:
    project.write("src/app/core.py", CORE.replace("def legacy():\n    return os.sep\n", ""))
    project.write("src/app/compat.py", "import os\n\n\ndef legacy():\n    return os.sep\n")
    report = report_of(commit_all(project, "Move legacy"), project)
    assert not any("legacy" in step for step in report.next_steps)


def test_git_function_context_names_the_changed_functions_of_other_languages(project: GitRepo) -> None:
    go = "package main\n\nfunc Start(port int) error {\n\tx := 1\n\ty := 2\n\treturn nil\n}\n\nfunc helper() int {\n\ta := 1\n\tb := 2\n\treturn a + b\n}\n"  # noqa: E501
    project.write("cmd/main.go", go)
    commit_all(project, "Add the server")
    project.write("cmd/main.go", go.replace("y := 2", "y := 3").replace("b := 2", "b := 4") + "\nfunc Stop() {\n}\n")
    report = report_of(commit_all(project, "Tune the server"), project)
    assert report.changes == ["Modified cmd/main.go (+5/-2): added Stop; changed Start, helper"]


def test_a_users_own_global_attributes_file_is_left_in_charge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert function_context_options()[0] == "-c"
    (tmp_path / "config" / "git").mkdir(parents=True)
    (tmp_path / "config" / "git" / "attributes").write_text("*.secret -diff\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # read once a process for each setting
    assert function_context_options() == ()
    (tmp_path / "gitconfig").write_text("[core]\n\tattributesFile = ~/attributes\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user" / ".config"))
    assert function_context_options()[0] == "-c"
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    assert function_context_options() == ()


def test_javascript_definitions_are_read_from_the_diff(project: GitRepo) -> None:
    project.write("lib/git.js", "export async function push(url) {\n  return url\n}\n")
    commit_all(project, "Add push")
    project.write("lib/git.js", "export async function push(url, branch) {\n  return url\n}\n\nclass Remote {}\n")
    report = report_of(commit_all(project, "Push a branch"), project)
    assert report.changes == ["Modified lib/git.js (+3/-1): added Remote; changed push"]


def test_a_todo_in_a_code_comment_is_a_next_step_and_one_in_prose_is_not(project: GitRepo) -> None:
    project.write("README.md", "TODO is a word in this sentence.\n")
    project.write("src/app/core.py", CORE.replace("return 1", "return 1  # TODO: cache the result"))
    report = report_of(commit_all(project, "Note a gap"), project)
    assert [s for s in report.next_steps if "TODO" in s] == ["Resolve the TODO added in src/app/core.py."]


def test_a_credential_withheld_from_the_evidence_is_said_in_the_report(project: GitRepo) -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
    project.write("config/settings.py", f'GITHUB_TOKEN = "{token}"\n')
    project.write("tests/test_auth.py", f'FAKE = "{token}"\n')
    made = commit_all(project, "Configure the token")
    evidence = build_evidence(made, EvidenceSettings())
    report = analyze(made, CommitContents(project.path, made.sha), evidence)
    text = json.dumps(report.model_dump())
    assert token not in text
    assert "A credential-like value was added to config/settings.py; it was withheld from this report." in (
        report.impact_and_tests
    )
    assert "Remove the credential-like value from config/settings.py and rotate it: it is in the history now." in (
        report.next_steps
    )
    assert not any("tests/test_auth.py and rotate" in step for step in report.next_steps)  # a test's fake token
    assert "credential-withheld" in report.tags


def test_a_credential_in_the_message_is_not_quoted_in_the_rationale(project: GitRepo) -> None:
    token = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0" * 2
    project.write("src/app/core.py", CORE.replace("return 1", "return 2"))
    made = commit_all(project, f"Rotate the key\n\nThe old key {token} leaked.")
    report = analyze(made, None, build_evidence(made, EvidenceSettings()))
    assert token not in report.rationale and "[REDACTED" in report.rationale
    assert "A credential-like value was added to the commit message; it was withheld from this report." in (
        report.impact_and_tests
    )


def test_python_files_that_do_not_parse_fall_back_on_the_diff(project: GitRepo) -> None:
    assert python_symbols("x.py", "def broken(:\n", "@@ -1 +1 @@\n-def ok():\n+def broken(:\n") is None
    jobs = "def run(queue):\n    job = queue.pop()\n    job.start()\n    job.wait()\n    return job.result\n\n\n"
    project.commit("Add jobs", ("src/app/jobs.py", jobs + "def legacy(queue):\n    return queue.pop()\n"))
    broken = jobs.replace("job.result", "job.result(") + "def drain(queue):\n    while queue:\n        run(queue)\n"
    project.write("src/app/jobs.py", broken)
    made = commit_all(project, "Drain the queue")
    assert python_symbols("src/app/jobs.py", broken, made.files[0].diff) is None  # the new text does not parse
    # the diff's def lines (drain added, legacy removed) and its hunk header (`@@ … @@ def run(queue):`)
    assert report_of(made, project).changes == [
        "Modified src/app/jobs.py (+4/-3): added drain; removed legacy; changed run"
    ]


@pytest.mark.parametrize(
    ("path", "old", "new", "expected"),
    [
        ("package.json", '{"dependencies": {"execa": "^5"}, "devDependencies": {"ava": "^4"}}',
         '{"dependencies": {"execa": "^6"}, "devDependencies": {}}', ["execa ^5 → ^6 (prod)", "ava ^4 removed (dev)"]),
        ("package-lock.json", '{"packages": {"": {}, "node_modules/a": {"version": "1.0.0"}, '
         '"node_modules/a/node_modules/b": {"version": "2.0.0"}}}',
         '{"packages": {"node_modules/a": {"version": "1.1.0"}}}', ["a 1.0.0 → 1.1.0 (lock)"]),
        ("yarn.lock", '"@babel/core@^7.0.0":\n  version "7.1.0"\n', '"@babel/core@^7.0.0":\n  version "7.2.0"\n',
         ["@babel/core 7.1.0 → 7.2.0 (lock)"]),
        ("pnpm-lock.yaml", "packages:\n  /left-pad@1.2.0:\n    resolution: {}\n",
         "packages:\n  /left-pad@1.3.0:\n    resolution: {}\n", ["left-pad 1.2.0 → 1.3.0 (lock)"]),
        ("pyproject.toml",
         '[project]\ndependencies = ["httpx>=0.27"]\n[project.optional-dependencies]\ndev = ["ruff==0.4"]\n',
         '[project]\ndependencies = ["httpx>=0.28"]\n[project.optional-dependencies]\ndev = ["ruff==0.5"]\n',
         ["httpx >=0.27 → >=0.28 (prod)", "ruff ==0.4 → ==0.5 (dev)"]),
        ("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.11"\nrich = "^13"\n',
         '[tool.poetry.dependencies]\npython = "^3.12"\nrich = "^14"\n', ["rich ^13 → ^14 (prod)"]),
        ("requirements/dev.txt", "pytest==8.0\n# a comment\n", "pytest==8.1\n", ["pytest ==8.0 → ==8.1 (dev)"]),
        ("setup.py", 'setup(install_requires=["click>=7", "toml"])', 'setup(install_requires=["click>=8", "toml"])',
         ["click >=7 → >=8 (prod)"]),
        ("Cargo.toml", '[dependencies]\nserde = "1.0"\n[dev-dependencies]\ntokio = { version = "1" }\n',
         '[dependencies]\nserde = "1.1"\n[dev-dependencies]\ntokio = { version = "1" }\n', ["serde 1.0 → 1.1 (prod)"]),
        ("Cargo.lock", '[[package]]\nname = "serde"\nversion = "1.0.1"\n',
         '[[package]]\nname = "serde"\nversion = "1.0.2"\n',
         ["serde 1.0.1 → 1.0.2 (lock)"]),
        ("uv.lock", '[[package]]\nname = "httpx"\nversion = "0.27.0"\n',
         '[[package]]\nname = "httpx"\nversion = "0.28.1"\n',
         ["httpx 0.27.0 → 0.28.1 (lock)"]),
        ("go.mod", "require (\n\tgithub.com/pkg/errors v0.9.0\n)\n", "require (\n\tgithub.com/pkg/errors v0.9.1\n)\n",
         ["github.com/pkg/errors v0.9.0 → v0.9.1 (prod)"]),
        ("composer.json", '{"require": {"monolog/monolog": "^2.0", "php": ">=8"}}',
         '{"require": {"monolog/monolog": "^3.0"}}',
         ["monolog/monolog ^2.0 → ^3.0 (prod)"]),
        ("Gemfile.lock", "GEM\n  specs:\n    rake (13.0.1)\n", "GEM\n  specs:\n    rake (13.0.6)\n",
         ["rake 13.0.1 → 13.0.6 (lock)"]),
        ("package.json", "{not json", '{"dependencies": {"x": "1"}}', []),
    ],
)  # fmt: skip
def test_dependency_changes_are_read_from_manifests_and_lock_files(
    path: str, old: str, new: str, expected: list[str]
) -> None:
    assert [f"{d.describe()} ({d.section})" for d in changes(path, old, new)] == expected


def test_a_new_manifest_lists_its_dependencies_as_added() -> None:
    assert [d.describe() for d in changes("package.json", None, '{"dependencies": {"x": "^1"}}')] == ["x ^1 added"]


def test_pinned_actions_and_images_are_read_from_the_diff() -> None:
    workflow = "-      - uses: actions/checkout@abc123 # v4.1.0\n+      - uses: actions/checkout@def456 # v4.2.0\n"
    dockerfile = "-FROM python:3.12-slim\n+FROM python:3.13-slim AS build\n"
    assert [d.describe() for d in pinned_in_diff(".github/workflows/ci.yml", workflow)] == [
        "actions/checkout v4.1.0 → v4.2.0"
    ]
    assert [d.describe() for d in pinned_in_diff("Dockerfile", dockerfile)] == ["python 3.12-slim → 3.13-slim"]


def test_a_dependency_change_is_listed_on_its_files_line(project: GitRepo) -> None:
    project.write("package.json", json.dumps({"dependencies": {"execa": "^5.0.0"}}) + "\n")
    commit_all(project, "Add a manifest")
    project.write("package.json", json.dumps({"dependencies": {"execa": "^6.0.0"}}) + "\n")
    report = report_of(commit_all(project, "update dependency execa to v6"), project)
    assert report.changes == ["Modified package.json (+1/-1): execa ^5.0.0 → ^6.0.0"]
    assert "Dependencies: execa ^5.0.0 → ^6.0.0." in report.summary
    assert "Run the full test suite against execa ^6.0.0." in report.next_steps


def test_blobs_are_read_in_one_batch_and_missing_or_oversized_ones_are_left_out(project: GitRepo) -> None:
    made = read_commit(open_repo(project.path), project.head())
    oid = made.files[0].new_oid
    contents = CommitContents(project.path, made.sha)
    assert contents.blobs([oid, "f" * 40, "not an id"]) == {oid: (project.path / made.files[0].path).read_bytes()}
    assert contents.blobs([oid], max_bytes=3) == {}
    assert contents.blobs(["f" * 40]) == {}  # cat-file answers `<id> missing`


def test_one_cat_file_serves_every_commit_a_reader_is_shared_by(project: GitRepo) -> None:
    first = read_commit(open_repo(project.path), project.head())
    project.write("src/app/core.py", CORE.replace("return 1", "return 3"))
    second = commit_all(project, "Three")
    reader = BlobReader(project.path)
    try:
        core = next(f.new_oid for f in first.files if f.path == "src/app/core.py")
        assert reader.read([core]) == {core: CORE.encode()}
        pid = reader._proc.pid if reader._proc else None
        new_oid = next(f.new_oid for f in second.files)
        assert reader.read([new_oid, "e" * 40]) == {new_oid: CORE.replace("return 1", "return 3").encode()}
        assert reader._proc is not None and reader._proc.pid == pid
        assert CommitContents(project.path, second.sha, reader).blobs([new_oid], max_bytes=10) == {}
    finally:
        reader.close()
    assert reader._proc is None
    assert reader.read([new_oid]) != {}  # a closed reader starts again when asked
    reader.close()


class _CountingContents:
    """The real contents of a commit, noting which blobs were asked for."""

    def __init__(self, real: CommitContents, asked: list[str]) -> None:
        self.real, self.asked = real, asked

    def blobs(self, oids: Sequence[str]) -> Mapping[str, bytes]:
        self.asked += oids
        return self.real.blobs(oids)

    def files_naming(self, words: Sequence[str]) -> Mapping[str, list[str]]:
        return self.real.files_naming(words)

    def function_contexts(self, parent: str | None, paths: Sequence[str]) -> Mapping[str, list[str]]:
        return self.real.function_contexts(parent, paths)


def test_a_lock_file_read_as_the_new_side_of_one_commit_is_not_read_again_as_the_old_side_of_the_next(
    tmp_path: Path,
) -> None:
    repo = GitRepo.init(tmp_path / "lock")
    lock = '{"packages": {"": {}, "node_modules/left-pad": {"version": "%s"}, "node_modules/b": {"version": "2.0.0"}}}'
    repo.commit("Initial lock", ("package-lock.json", lock % "1.0.0"))
    made = []
    for version in ("1.1.0", "1.2.0"):
        repo.write("package-lock.json", lock % version)
        made.append(commit_all(repo, f"Bump left-pad to {version}"))
    asked: list[str] = []
    deps = [read_code(c, _CountingContents(CommitContents(repo.path, c.sha), asked)).deps for c in made]
    assert [[d.describe() for d in found] for found in deps] == [["left-pad 1.0.0 → 1.1.0"], ["left-pad 1.1.0 → 1.2.0"]]
    second = made[1].files[0]
    assert second.new_oid in asked and second.old_oid == made[0].files[0].new_oid and asked.count(second.old_oid) <= 1

"""The README's examples run as written: every shell and Python snippet that can run offline, in a real
repository with an isolated STEPPER_HOME (a fence preceded by `<!-- no-test: reason -->` is skipped), and
every TOML snippet parses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.gitutil import GitRepo

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"(<!-- no-test(?::[^>]*)? -->\n)?```(\w+)\n(.*?)```", re.S)


def snippets(language: str) -> list[tuple[int, str]]:
    """(line number, code) of each runnable fence of this language in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        if m.group(2) == language and not m.group(1):
            found.append((text.count("\n", 0, m.start()) + 1, m.group(3)))
    return found


@pytest.fixture
def project(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, dict[str, str]]:
    """A repository shaped like the examples expect: main, a feature branch ahead of it, release tags."""
    repo.commit("feat: first", ("src/a.py", "def a():\n    return 1\n"))
    repo.git("tag", "v1.2.0")
    repo.commit("fix: second", ("src/a.py", "def a():\n    return 2\n"))
    repo.commit("docs: third", ("README.md", "hello\n"))
    repo.git("tag", "v1.3.0")
    repo.git("checkout", "-q", "-b", "feature")
    for n in range(20):  # enough history for HEAD~20
        repo.commit(f"feat: step {n}", (f"src/step{n}.py", f"step = {n}\n"))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    return repo, env


def test_the_readme_has_runnable_snippets_of_both_kinds() -> None:
    assert len(snippets("sh")) >= 3 and len(snippets("python")) >= 1


@pytest.mark.parametrize(("line", "code"), snippets("sh"), ids=lambda v: f"line {v}" if isinstance(v, int) else "")
def test_each_shell_snippet_runs(project: tuple[GitRepo, dict[str, str]], line: int, code: str) -> None:
    repo, env = project
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=repo.path, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, f"README line {line}:\n{code}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("line", "code"), snippets("python"), ids=lambda v: f"line {v}" if isinstance(v, int) else "")
def test_each_python_snippet_runs(project: tuple[GitRepo, dict[str, str]], line: int, code: str) -> None:
    repo, env = project
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo.path, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, f"README line {line}:\n{proc.stderr}"
    assert "{'schema_version'" not in proc.stdout  # JSON, not a Python dict's repr


@pytest.mark.parametrize(("line", "code"), snippets("toml"), ids=lambda v: f"line {v}" if isinstance(v, int) else "")
def test_each_toml_snippet_parses(line: int, code: str) -> None:
    assert isinstance(tomllib.loads(code), dict), line

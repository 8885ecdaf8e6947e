"""The documented install lines work: `pip install .` and `pip install '.[redis]'` from the checkout into a
fresh virtual environment give a working `stepper`; no document asks for a package index entry that does
not exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitutil import GitRepo

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["README.md", "docs/ci.md", ".pre-commit-hooks.yaml", *(str(p.relative_to(ROOT)) for p in
        (ROOT / "stepper_cli").rglob("*.py"))]  # fmt: skip
# stepper is not published: an install from an index by name would fail with "No matching distribution"
FROM_AN_INDEX = re.compile(r"(pip|pipx|uv tool|uv pip) install\s+['\"]?stepper-cli\b")


def test_no_document_or_hint_installs_stepper_from_a_package_index() -> None:
    found = [(name, m.group()) for name in DOCS for m in FROM_AN_INDEX.finditer((ROOT / name).read_text())]
    assert not found, found


def test_the_pre_commit_example_needs_no_release_tag() -> None:
    manifest = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "repo: local" in manifest and "OWNER" not in manifest and "v0.1.0" not in manifest


def pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)  # fmt: skip


@pytest.mark.slow
def test_pip_install_dot_and_the_redis_extra_into_a_fresh_venv(tmp_path: Path, repo: GitRepo) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    first = pip(venv, ".")
    if first.returncode != 0 and re.search(
        r"No matching distribution|Could not find a version|connection", first.stderr, re.I
    ):
        pytest.skip(f"pip cannot reach a package index for the dependencies here: {first.stderr.strip()[-200:]}")
    assert first.returncode == 0, first.stderr
    stepper = str(venv / "bin" / "stepper")
    assert subprocess.run([stepper, "--version"], capture_output=True, text=True).stdout.startswith("stepper ")
    repo.commit("feat: first", ("a.py", "x = 1\n"))
    report = subprocess.run([stepper, "report", "--json"], cwd=repo.path, capture_output=True, text=True, timeout=120)
    assert report.returncode == 0 and '"provider": "local"' in report.stdout, report.stderr
    extra = pip(venv, ".[redis]")
    assert extra.returncode == 0, extra.stderr
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "import redis, stepper_cli"], capture_output=True)
    assert check.returncode == 0, check.stderr

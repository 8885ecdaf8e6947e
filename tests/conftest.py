"""Every test runs isolated: its own STEPPER_HOME, HOME and git identity; no STEPPER_* or key vars."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gitutil import GitRepo

pytest_plugins = ["tests.redis_server", "tests.provider_server"]

SECRET_SUFFIXES = ("_API_KEY", "_TOKEN", "_KEY")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("STEPPER_") or name.endswith(SECRET_SUFFIXES) or name.startswith("GIT_"):
            monkeypatch.delenv(name)
    home = tmp_path / "stepper-home"
    user = tmp_path / "user"
    user.mkdir()
    monkeypatch.setenv("STEPPER_HOME", str(home))
    monkeypatch.setenv("HOME", str(user))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(user / ".local/share"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var, value in {"NAME": "Ada Tester", "EMAIL": "ada@example.com"}.items():
        monkeypatch.setenv(f"GIT_AUTHOR_{var}", value)
        monkeypatch.setenv(f"GIT_COMMITTER_{var}", value)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """An empty git repository on branch main."""
    return GitRepo.init(tmp_path / "repo")

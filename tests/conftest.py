"""Every test runs isolated: its own STEPPER_HOME, HOME and git identity; no STEPPER_* or key vars."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from stepper_cli.store import Store, open_store
from tests.support.gitutil import GitRepo

if TYPE_CHECKING:
    from tests.support.provider_server import ProviderServer

pytest_plugins = ["tests.support.redis_server", "tests.support.provider_server"]

# Property tests must not flake on a busy 2-core machine: no per-example deadline, and in CI a fixed
# seed so a run is repeatable (locally, random search keeps finding new cases).
settings.register_profile("stepper", deadline=None, derandomize=os.environ.get("CI") == "true")
settings.load_profile("stepper")

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


@pytest.fixture
def committed(repo: GitRepo) -> GitRepo:
    """The repository with one commit, which adds src/retry.py (a module may give its own `committed`)."""
    repo.commit("feat: add retry", ("src/retry.py", "def retry():\n    return 3\n"))
    return repo


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    """A loopback server speaking every provider protocol (its `hang` scenario gives up after 1 s)."""
    from tests.support.provider_server import ProviderServer

    with ProviderServer(hang_seconds=1.0) as s:
        yield s


@pytest.fixture
def store() -> Iterator[Store]:
    """The local files store under this test's STEPPER_HOME."""
    with open_store("") as s:
        yield s


@pytest.fixture(params=["files", pytest.param("redis", marks=pytest.mark.redis)])
def any_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The files store, then a real Redis: for behaviour both backends must share."""
    url = "" if request.param == "files" else request.getfixturevalue("redis_server").url
    with open_store(url) as s:
        s.clear()
        yield s
        s.clear()

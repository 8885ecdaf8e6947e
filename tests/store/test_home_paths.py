"""Where state and config live: platformdirs' user dirs by default (the documented Linux paths), and the
STEPPER_HOME / STEPPER_CONFIG / XDG overrides."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from stepper_cli.config.paths import stepper_home, user_config_path
from tests.support.cli_run import stepper

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the documented defaults are Linux paths")


@linux
def test_the_defaults_are_the_documented_linux_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STEPPER_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert stepper_home() == tmp_path / ".local" / "share" / "stepper"
    assert stat.S_IMODE(stepper_home().stat().st_mode) == 0o700
    assert user_config_path() == tmp_path / ".config" / "stepper" / "config.toml"


@linux
def test_xdg_variables_move_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEPPER_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "conf"))
    assert stepper_home() == tmp_path / "data" / "stepper"
    assert user_config_path() == tmp_path / "conf" / "stepper" / "config.toml"


def test_stepper_home_and_stepper_config_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEPPER_HOME", str(tmp_path / "state"))
    config = tmp_path / "mine.toml"
    config.write_text("[cache]\nttl_seconds = 60\n")
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    assert stepper_home() == tmp_path / "state"
    out = stepper("config", "path", cwd=tmp_path)
    assert out.code == 0 and str(tmp_path / "state") in out.out and str(config) in out.out, out

"""On a terminal, `stepper report` says on stderr what it is waiting for, and drops the line when done."""

from __future__ import annotations

from typing import Any

import pytest

from stepper_cli import events
from stepper_cli.cli import waiting


class Status:
    def __init__(self, text: str, log: list[str]) -> None:
        self.log = log
        log.append(f"start: {text}")

    def update(self, text: str) -> None:
        self.log.append(f"update: {text}")

    def stop(self) -> None:
        self.log.append("stop")


def test_a_terminal_shows_each_wait_and_the_fallback_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log: list[str] = []
    monkeypatch.setattr(waiting, "is_tty", lambda stream: True)
    monkeypatch.setattr(waiting, "_status", lambda text: Status(text, log))
    with waiting.watch_chain(quiet=False):
        events.emit(events.ProviderWaiting("abc", "primary", 1, 30.0))
        events.emit(events.ProviderWaiting("abc", "primary", 2, 12.4))
        events.emit(events.FellBack("abc", 2, (("primary", "Provider 'primary' timed out after 12.4 s"),)))
    assert log == [
        "start: Waiting for primary (attempt 1, up to 30 s)",
        "update: Waiting for primary (attempt 2, up to 12 s)",
        "stop",
    ]
    assert capsys.readouterr().err == (
        "stepper: the local analyzer wrote this report (Provider 'primary' timed out after 12.4 s)\n"
    )


def test_quiet_shows_nothing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    started: list[Any] = []
    monkeypatch.setattr(waiting, "is_tty", lambda stream: True)
    monkeypatch.setattr(waiting, "_status", started.append)
    with waiting.watch_chain(quiet=True):
        events.emit(events.ProviderWaiting("abc", "primary", 1, 30.0))
        events.emit(events.FellBack("abc", 1, (("primary", "down"),)))
    assert started == [] and capsys.readouterr().err == ""

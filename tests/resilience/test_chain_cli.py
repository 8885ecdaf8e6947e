"""`stepper report` with a configured chain over the loopback server, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo
from tests.support.provider_server import REPORT, ProviderServer


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *providers: tuple[str, str], **retry: float) -> None:
    """Point STEPPER_CONFIG at a file with these (name, base_url) providers, fast retries, no limits."""
    lines = ["[retry]", "base_delay_seconds = 0.01"] + [f"{k} = {v}" for k, v in retry.items()]
    for name, url in providers:
        lines += ["[[providers]]", f'name = "{name}"', 'kind = "openai"', f'base_url = "{url}/v1"',
                  'model = "m"', 'api_key_env = ""', "timeout_seconds = 0.3", "rps = 1000"]  # fmt: skip
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("STEPPER_CONFIG", str(path))


def report_json(repo: GitRepo, *args: str) -> dict:  # type: ignore[type-arg]
    res = stepper("report", "--format", "json", "--no-cache", *args, cwd=repo.path)
    assert res.code == 0, res.err
    data: dict = json.loads(res.out)  # type: ignore[type-arg]
    return data


def test_report_comes_from_the_first_healthy_provider(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, monkeypatch, ("down", server.scenario_url("503")), ("up", server.scenario_url("fenced")))
    data = report_json(committed)
    assert data["provider"] == "up" and data["fallback"] is False
    assert data["report"]["title"] == REPORT["title"]
    assert [(a["provider"], a["attempt"], a["outcome"], a["error"]) for a in data["attempts"]] == [
        ("down", 1, "error", "unavailable"),
        ("down", 2, "error", "unavailable"),
        ("down", 3, "error", "unavailable"),
        ("up", 1, "ok", None),
    ]


def test_an_invalid_reply_keeps_its_schema_error_in_the_attempt(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, monkeypatch, ("p", server.scenario_url("invalid")))
    data = report_json(committed)
    assert data["provider"] == "local" and data["fallback"] is True
    assert {a["error"] for a in data["attempts"]} == {"invalid_response"}
    assert all("title" in a["detail"] for a in data["attempts"])


def test_all_fail_without_fallback_exits_5_naming_each_provider(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, monkeypatch, ("a", server.scenario_url("500")), ("b", server.scenario_url("401")))
    res = stepper_process("report", "--no-fallback", "--no-cache", cwd=committed.path)
    assert res.code == 5 and res.out == ""
    assert "a (unavailable ×3); b (auth)" in res.err and "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) <= 2


def test_fail_on_fallback_prints_the_report_and_exits_5(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, monkeypatch, ("a", server.scenario_url("400")))
    res = stepper("report", "--fail-on-fallback", "--no-cache", cwd=committed.path)
    assert res.code == 5 and res.out.strip() and "fallback" in res.err


def test_provider_flag_picks_the_chain_and_rejects_unknown_names(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, monkeypatch, ("a", server.scenario_url("500")), ("b", server.url))
    data = report_json(committed, "--provider", "b")
    assert data["provider"] == "b" and [a["provider"] for a in data["attempts"]] == ["b"]
    res = stepper("report", "--provider", "nope", cwd=committed.path)
    assert res.code == 2 and "configured: a, b, local" in res.err
    offline = report_json(committed, "--offline")
    assert offline["provider"] == "local" and offline["attempts"] == [] and offline["fallback"] is False
    assert len(server.requests) == 1


def test_verbose_logs_each_step(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, monkeypatch, ("a", server.scenario_url("401")), ("b", server.url))
    res = stepper_process("report", "--verbose", "--no-cache", cwd=committed.path)
    assert res.code == 0
    assert "chain a → b → local" in res.err
    assert "a attempt 1 error (auth)" in res.err and "report from b after 2 attempt(s)" in res.err


def test_a_fallback_is_never_silent_one_stderr_line_names_the_provider_and_why(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, monkeypatch, ("gone", server.scenario_url("404-model")))
    res = stepper("report", "--no-cache", cwd=committed.path)
    assert res.code == 0
    assert res.err.strip().splitlines() == [
        "stepper: the local analyzer wrote this report (model m is not available at provider 'gone')"
    ]
    quiet = stepper("report", "--no-cache", "-q", cwd=committed.path)
    assert quiet.code == 0 and quiet.err == ""


def test_a_missing_key_is_named_when_the_local_analyzer_answers(
    committed: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[providers]]\nname = "claude"\nkind = "anthropic"\napi_key_env = "STEPPER_TEST_NO_SUCH_KEY"\n')
    monkeypatch.setenv("STEPPER_CONFIG", str(path))
    res = stepper("report", "--no-cache", "--format", "json", cwd=committed.path)
    assert res.code == 0 and json.loads(res.out)["fallback"] is True
    assert "No API key for provider 'claude': set STEPPER_TEST_NO_SUCH_KEY" in res.err

"""`stepper providers list | check | reset` through the real CLI, against the loopback server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from stepper_cli.store import open_store
from tests.support.cli_run import stepper
from tests.support.provider_server import ProviderServer

KEY = "sk-providers-cli-0123456789abcdef"


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: ProviderServer) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[providers]]\nname = "primary"\nkind = "openai"\nmodel = "gpt-4o-mini"\nbase_url = "{server.url}/v1"\n'
        'api_key_env = "PRIMARY_API_KEY"\nrps = 2.5\nconcurrency = 3\ntimeout_seconds = 0.5\n'
        f'[[providers]]\nname = "backup"\nkind = "anthropic"\nbase_url = "{server.scenario_url("401")}"\n'
        'api_key_env = "BACKUP_API_KEY"\ntimeout_seconds = 0.5\n'
        f'[[providers]]\nname = "lan"\nkind = "ollama"\nbase_url = "{server.url}"\nenabled = false\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    monkeypatch.setenv("PRIMARY_API_KEY", KEY)
    monkeypatch.setenv("BACKUP_API_KEY", KEY)
    return tmp_path


def open_breaker(name: str) -> None:
    with open_store("") as store:
        store.put(f"breaker:{name}", {"state": "open", "opened_at": time.time(), "reason": "auth"})


def test_list_json_shows_the_chain_in_order_with_local_last(configured: Path) -> None:
    res = stepper("providers", "list", "--json", cwd=configured)
    assert res.code == 0, res.err
    rows = json.loads(res.out)
    assert [r["name"] for r in rows] == ["primary", "backup", "lan", "local"]
    primary = rows[0]
    assert primary["kind"] == "openai" and primary["model"] == "gpt-4o-mini" and primary["base_url"].endswith("/v1")
    assert primary["key_env"] == "PRIMARY_API_KEY" and primary["key_present"] is True and primary["enabled"] is True
    assert primary["breaker"] == "closed" and primary["rps"] == 2.5 and primary["concurrency"] == 3
    assert rows[2]["enabled"] is False and rows[2]["needs_key"] is False
    assert rows[3]["kind"] == "local"
    assert KEY not in res.out


def test_list_text_says_whether_each_key_is_set_and_never_shows_it(
    configured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BACKUP_API_KEY")
    res = stepper("providers", cwd=configured)  # list is the default
    assert res.code == 0
    assert "key set (PRIMARY_API_KEY)" in res.out and "key MISSING (BACKUP_API_KEY)" in res.out
    assert "no key needed" in res.out and "[disabled]" in res.out and "2.5 req/s, 3 in flight" in res.out
    assert res.out.rstrip().splitlines()[-1].startswith("local") and KEY not in res.out


def test_list_shows_an_open_breaker(configured: Path) -> None:
    open_breaker("backup")
    rows = json.loads(stepper("providers", "list", "--json", cwd=configured).out)
    assert rows[1]["breaker"] == "open" and rows[1]["breaker_reason"] == "auth" and rows[1]["retry_in_seconds"] > 0
    assert "breaker open, probe in" in stepper("providers", "list", cwd=configured).out


def test_check_sends_one_small_request_each_and_exits_5_on_a_failure(configured: Path, server: ProviderServer) -> None:
    res = stepper("providers", "check", "--json", cwd=configured)
    assert res.code == 5
    results = {r["name"]: r for r in json.loads(res.out)}
    assert results["primary"]["ok"] is True and results["primary"]["latency_ms"] >= 0
    assert results["backup"]["outcome"] == "error" and results["backup"]["error"] == "auth"
    assert results["lan"]["outcome"] == "skipped" and results["lan"]["error"] == "disabled"
    assert len(server.requests) == 2 and server.requests[0].json["max_tokens"] == 64
    assert KEY not in res.out


def test_check_one_provider_exits_0_when_it_answers(configured: Path, server: ProviderServer) -> None:
    res = stepper("providers", "check", "primary", cwd=configured)
    assert res.code == 0 and res.out.startswith("primary") and " ok in " in res.out
    assert len(server.requests) == 1


def test_check_does_not_touch_the_breaker(configured: Path) -> None:
    open_breaker("primary")
    assert stepper("providers", "check", "primary", cwd=configured).code == 0
    assert json.loads(stepper("providers", "list", "--json", cwd=configured).out)[0]["breaker"] == "open"


def test_check_without_a_key_sends_nothing(
    configured: Path, server: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BACKUP_API_KEY")
    res = stepper("providers", "check", "backup", cwd=configured)
    assert res.code == 5 and "skipped: no_key" in res.out and "BACKUP_API_KEY" in res.out
    assert server.requests == []


def test_unknown_names_exit_2(configured: Path) -> None:
    for command in ("check", "reset"):
        res = stepper("providers", command, "nope", cwd=configured)
        assert res.code == 2 and "configured: primary, backup, lan" in res.err


def test_reset_closes_breakers(configured: Path) -> None:
    open_breaker("primary")
    open_breaker("backup")
    res = stepper("providers", "reset", "backup", "--json", cwd=configured)
    assert res.code == 0 and json.loads(res.out) == {"reset": ["backup"]}
    rows = json.loads(stepper("providers", "list", "--json", cwd=configured).out)
    assert [r["breaker"] for r in rows[:2]] == ["open", "closed"]
    res = stepper("providers", "reset", cwd=configured)
    assert res.code == 0 and "primary, backup, lan" in res.out
    assert json.loads(stepper("providers", "list", "--json", cwd=configured).out)[0]["breaker"] == "closed"


def test_with_nothing_configured_only_local_is_listed(tmp_path: Path) -> None:
    res = stepper("providers", "list", "--json", cwd=tmp_path)  # not even a git repository
    assert res.code == 0 and [r["name"] for r in json.loads(res.out)] == ["local"]
    res = stepper("providers", "check", cwd=tmp_path)
    assert res.code == 0 and "No providers are configured" in res.out


def test_list_shows_a_rate_limit_hold_and_what_was_learned_and_reset_clears_both(configured: Path) -> None:
    with open_store("") as store:
        store.put("ratelimit:primary", {"hold": time.time() + 42, "asked": 600, "said": "retry-after: 600"})
        store.put(
            "learned:primary:gpt-4o-mini",
            {"shape": {"structured": "json_object"}, "because": "This response_format type is unavailable now",
             "at": time.time()},
        )  # fmt: skip
    text = stepper("providers", cwd=configured).out
    assert "held: it asked to wait 600 s; 4" in text
    assert "learned for gpt-4o-mini: structured json_schema -> json_object (This response_format type" in text
    [primary] = json.loads(stepper("providers", "list", "--json", cwd=configured).out)[:1]
    assert primary["hold_asked_seconds"] == 600 and 40 < primary["hold_seconds"] <= 42
    assert primary["learned"][0]["changes"] == "structured json_schema -> json_object"
    assert stepper("providers", "reset", "primary", cwd=configured).code == 0
    [primary] = json.loads(stepper("providers", "list", "--json", cwd=configured).out)[:1]
    assert primary["hold_seconds"] is None and primary["learned"] == []


def test_check_names_the_models_a_provider_serves_when_its_model_is_gone(
    configured: Path, server: ProviderServer
) -> None:
    server.scenario = "404-model"
    res = stepper("providers", "check", "primary", "--json", cwd=configured)
    [result] = json.loads(res.out)
    assert res.code == 5 and result["error"] == "model_not_found"
    assert result["detail"] == (
        "model gpt-4o-mini is not available at provider 'primary'; it serves: gpt-5-mini, gpt-5.4, o4-mini"
    )

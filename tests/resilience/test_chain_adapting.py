"""The chain fits each request to the model and never retries the hopeless: a 400 naming an unsupported
format costs one extra request once (what worked is learned in the store, for every process), a refusal
costs one request per provider, a truncated reply gets one retry with a larger budget, keys echoed back
never reach the report, and a fallback always says why."""

from __future__ import annotations

import json
import subprocess
import sys

from stepper_cli import events
from stepper_cli.config.model import to_data
from stepper_cli.resilience.admin import list_providers, reset_providers
from stepper_cli.store import Store
from tests.support.chainkit import make_settings, provider, run_chain
from tests.support.provider_server import ProviderServer

KEY = "sk-chain-SECRET-0123456789abcdef"


def formats(server: ProviderServer) -> list[str]:
    return [r.json.get("response_format", {}).get("type", "none") for r in server.generations()]


def test_a_deepseek_style_400_costs_one_extra_request_on_the_first_run_and_none_on_the_next(
    server: ProviderServer, store: Store
) -> None:
    settings = make_settings(provider("ds", server.scenario_url("deepseek", "/v1")))
    first = run_chain(settings, store)
    assert first.provider == "ds" and first.fallback is False
    assert [(a.attempt, a.outcome, a.error) for a in first.attempts] == [(1, "error", "bad_request"), (2, "ok", None)]
    assert "response_format type is unavailable" in (first.attempts[0].detail or "")
    assert formats(server) == ["json_schema", "json_object"]
    server.reset()
    second = run_chain(settings, store)
    assert [a.outcome for a in second.attempts] == ["ok"]
    assert formats(server) == ["json_object"]


def test_what_was_learned_is_shared_with_other_processes(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("ds", server.scenario_url("deepseek", "/v1")))
    other = subprocess.run(
        [sys.executable, "-m", "tests.support.chainkit", "--settings", json.dumps(to_data(settings))],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert json.loads(other.stdout)["provider"] == "ds"
    server.reset()
    assert [a.outcome for a in run_chain(settings, store).attempts] == ["ok"]
    assert formats(server) == ["json_object"]


def test_providers_list_shows_what_was_learned_and_reset_forgets_it(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("ds", server.scenario_url("deepseek", "/v1")))
    run_chain(settings, store)
    [row, _local] = list_providers(settings, store)
    [learned] = row.learned
    assert learned.model == "test-model" and learned.changes == "structured json_schema -> json_object"
    assert "response_format type is unavailable" in learned.because and learned.expires_in > 6 * 24 * 3600
    assert reset_providers(settings, store) == ["ds"]
    assert list_providers(settings, store)[0].learned == ()
    server.reset()
    run_chain(settings, store)
    assert formats(server) == ["json_schema", "json_object"]


def test_an_o_series_400_steps_down_each_named_parameter_once(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("o", server.scenario_url("o-series", "/v1"), model="custom-reasoner"))
    out = run_chain(settings, store)
    assert out.provider == "o" and [a.error for a in out.attempts] == ["bad_request", "bad_request", None]
    last = server.generations()[-1].json
    assert "max_tokens" not in last and "temperature" not in last and last["max_completion_tokens"] > 0


def test_a_refusal_costs_exactly_one_request_per_provider(server: ProviderServer, store: Store) -> None:
    settings = make_settings(
        provider("a", server.scenario_url("refusal", "/v1")),
        provider("b", server.scenario_url("refusal", "/v1")),
    )
    out = run_chain(settings, store)
    assert out.provider == "local" and out.fallback is True
    assert [(a.provider, a.error) for a in out.attempts] == [("a", "refused"), ("b", "refused")]
    assert len(server.generations()) == 2


def test_truncation_gets_one_retry_with_a_larger_budget(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("t", server.scenario_url("truncated:1600", "/v1"), max_tokens=800))
    out = run_chain(settings, store)
    assert out.provider == "t" and [a.error for a in out.attempts] == ["truncated", None]
    assert [r.json["max_tokens"] for r in server.generations()] == [800, 1600]


def test_truncation_twice_moves_on_to_the_next_provider(server: ProviderServer, store: Store) -> None:
    settings = make_settings(
        provider("t", server.scenario_url("truncated", "/v1")), provider("ok", server.scenario_url("ok", "/v1"))
    )
    out = run_chain(settings, store)
    assert out.provider == "ok"
    assert [(a.provider, a.error) for a in out.attempts] == [("t", "truncated"), ("t", "truncated"), ("ok", None)]


def test_a_key_echoed_back_in_a_200_reply_never_reaches_the_report(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("leaky", server.scenario_url("echo-key", "/v1"), api_key_env="LEAKY_KEY"))
    out = run_chain(settings, store, env={"LEAKY_KEY": KEY})
    assert out.provider == "leaky"
    assert KEY not in json.dumps(out.report.model_dump()) and "***" in out.report.summary


def test_a_fallback_names_each_provider_and_why_including_a_missing_key(server: ProviderServer, store: Store) -> None:
    seen: list[events.Event] = []
    settings = make_settings(
        provider("gone", server.scenario_url("404-model", "/v1"), model="gpt-retired"),
        provider("keyless", server.scenario_url("ok", ""), kind="anthropic", api_key_env="MISSING_TEST_KEY"),
    )
    unsubscribe = events.subscribe(seen.append)
    try:
        out = run_chain(settings, store, env={})
    finally:
        unsubscribe()
    assert out.provider == "local"
    [fell] = [e for e in seen if isinstance(e, events.FellBack)]
    assert fell.notice() == (
        "stepper: the local analyzer wrote this report (model gpt-retired is not available at provider 'gone'; "
        "No API key for provider 'keyless': set MISSING_TEST_KEY)"
    )

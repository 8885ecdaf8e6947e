"""The chain through the library against the real loopback server: who answers, every attempt, fallback,
skips, chain choice, events and metrics."""

from __future__ import annotations

import pytest

from stepper_cli import events
from stepper_cli.api import ReportOptions
from stepper_cli.config.settings import BreakerSettings
from stepper_cli.errors import UsageError
from stepper_cli.resilience import ProvidersFailed, build_chain
from stepper_cli.resilience.breaker import Breaker
from stepper_cli.store import Store
from stepper_cli.store import counters as metrics
from tests.support.chainkit import LOCAL_REPORT, FakeClock, idle_adapters, make_settings, provider, request, run_chain
from tests.support.provider_server import REPORT, ProviderServer, refused_url

KEY = "sk-chain-test-0123456789"


def test_the_report_comes_from_the_first_healthy_provider_with_every_attempt_recorded(
    server: ProviderServer, store: Store
) -> None:
    settings = make_settings(
        provider("down", server.scenario_url("500", "/v1")),
        provider("locked", server.scenario_url("401", "/v1")),
        provider("healthy", server.scenario_url("ok", "/v1")),
        provider("never", server.scenario_url("ok", "/v1")),
    )
    out = run_chain(settings, store)
    assert out.provider == "healthy" and out.fallback is False
    assert out.report.title == REPORT["title"]
    assert [(a.provider, a.attempt, a.outcome, a.error) for a in out.attempts] == [
        ("down", 1, "error", "unavailable"),
        ("down", 2, "error", "unavailable"),
        ("down", 3, "error", "unavailable"),
        ("locked", 1, "error", "auth"),
        ("healthy", 1, "ok", None),
    ]
    assert all(a.duration_ms >= 0 for a in out.attempts)
    assert [r.scenario for r in server.requests] == ["500", "500", "500", "401", "ok"]


@pytest.mark.parametrize(
    ("scenario", "provider_name", "errors"),
    [
        ("ok", "p", [None]),
        ("prose", "p", [None]),
        ("fenced", "p", [None]),
        ("think", "p", [None]),
        ("flaky:1", "p", ["unavailable", None]),
        ("500", "local", ["unavailable"] * 3),
        ("429", "local", ["rate_limited"]),
        ("429-date", "local", ["rate_limited"]),
        ("401", "local", ["auth"]),
        ("invalid", "local", ["invalid_response"] * 3),
        ("empty", "local", ["invalid_response"] * 3),
        ("hang", "local", ["timeout"] * 2),
    ],
)
def test_each_scenario_gives_the_right_outcome(
    scenario: str, provider_name: str, errors: list[str | None], server: ProviderServer, store: Store
) -> None:
    # a 2 s deadline: Retry-After (2 s) does not fit, so 429 moves on after one try
    settings = make_settings(
        provider("p", server.scenario_url(scenario, "/v1"), retry={"max_attempts": 2 if scenario == "hang" else 3}),
        retry={"max_attempts": 3, "base_delay_seconds": 0.01, "deadline_seconds": 2},
    )
    out = run_chain(settings, store)
    assert out.provider == provider_name and out.fallback is (provider_name == "local")
    assert [a.error for a in out.attempts] == errors
    if provider_name == "local":
        assert out.report == LOCAL_REPORT


@pytest.mark.parametrize("kind", ["openai", "anthropic", "gemini", "cohere", "ollama", "hf-space"])
def test_every_protocol_works_in_the_chain(kind: str, server: ProviderServer, store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHAIN_KEY", KEY)
    base = server.url + {"openai": "/v1", "gemini": "/v1beta"}.get(kind, "")
    settings = make_settings(provider("p", base, kind=kind, api_key_env="CHAIN_KEY"))
    out = run_chain(settings, store)
    assert out.provider == "p" and out.report.title == REPORT["title"]


def test_a_refused_connection_is_unavailable(store: Store) -> None:
    out = run_chain(make_settings(provider("p", refused_url() + "/v1")), store)
    assert [a.error for a in out.attempts] == ["unavailable"] * 3 and out.provider == "local"


def test_all_failing_falls_back_to_local(server: ProviderServer, store: Store) -> None:
    settings = make_settings(
        provider("a", server.scenario_url("500", "/v1")), provider("b", server.scenario_url("400", "/v1"))
    )
    out = run_chain(settings, store)
    assert out.provider == "local" and out.fallback is True and out.report == LOCAL_REPORT
    assert [a.provider for a in out.attempts] == ["a", "a", "a", "b"]


def test_without_fallback_all_failing_raises_with_every_attempt(server: ProviderServer, store: Store) -> None:
    settings = make_settings(
        provider("a", server.scenario_url("500", "/v1")), provider("b", server.scenario_url("401", "/v1"))
    )
    with pytest.raises(ProvidersFailed) as caught:
        run_chain(settings, store, ReportOptions(fallback=False))
    assert caught.value.exit_code == 5 and len(caught.value.attempts) == 4
    assert "a (unavailable ×3); b (auth)" in str(caught.value)


def test_no_key_is_a_skip_that_sends_nothing(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("cloud", server.url, kind="anthropic", api_key_env="MISSING_KEY_VAR"))
    out = run_chain(settings, store)
    assert [(a.outcome, a.error) for a in out.attempts] == [("skipped", "no_key")]
    assert server.requests == [] and out.fallback is True


def test_disabled_providers_are_left_out_unless_named(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("off", server.url + "/v1", enabled=False), provider("on", server.url + "/v1"))
    assert [a.provider for a in run_chain(settings, store).attempts] == ["on"]
    out = run_chain(settings, store, ReportOptions(providers=("off", "on")))
    first = out.attempts[0]
    assert (first.provider, first.outcome, first.error) == ("off", "skipped", "disabled")
    assert out.provider == "on" and len(server.requests) == 2


def test_provider_flags_choose_the_chain_for_one_run(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("a", server.url + "/v1"), provider("b", server.url + "/v1"))
    assert run_chain(settings, store, ReportOptions(providers=("b",))).provider == "b"
    out = run_chain(settings, store, ReportOptions(offline=True, fallback=False))
    assert out.provider == "local" and out.fallback is False and out.attempts == []
    assert run_chain(settings, store, ReportOptions(providers=("local",), fallback=False)).provider == "local"
    assert len(server.requests) == 1


def test_an_unknown_provider_name_is_a_usage_error_listing_the_configured_ones(store: Store) -> None:
    settings = make_settings(provider("a", "http://127.0.0.1:9/v1"))
    with pytest.raises(UsageError, match=r"Unknown provider 'nope'.*configured: a, local") as caught:
        build_chain(settings, ReportOptions(providers=("nope",)), store, adapters=idle_adapters())
    assert caught.value.exit_code == 2


def test_no_provider_and_no_fallback_says_so(store: Store) -> None:
    with pytest.raises(ProvidersFailed, match="No provider is configured"):
        run_chain(make_settings(), store, ReportOptions(fallback=False))


def test_a_chain_with_no_provider_never_opens_the_store() -> None:
    def no_store() -> Store:
        raise AssertionError("the store was opened")

    with build_chain(make_settings(), ReportOptions(), no_store, adapters=idle_adapters()) as chain:
        assert chain.run(request()).provider == "local"


def test_an_open_breaker_is_a_skipped_circuit_open_attempt(server: ProviderServer, store: Store) -> None:
    clock = FakeClock()
    Breaker(store, "p", BreakerSettings(), clock, probe_lease=5).fail(None, "auth")
    out = run_chain(make_settings(provider("p", server.url + "/v1")), store, clock=clock, sleep=clock.sleep)
    assert [(a.outcome, a.error) for a in out.attempts] == [("skipped", "circuit_open")]
    assert server.requests == [] and out.fallback is True


def test_failures_open_the_breaker_for_the_next_report(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("p", server.scenario_url("503", "/v1")), breaker={"failure_threshold": 3})
    clock = FakeClock()
    run_chain(settings, store, clock=clock, sleep=clock.sleep)
    out = run_chain(settings, store, clock=clock, sleep=clock.sleep)
    assert [a.error for a in out.attempts] == ["circuit_open"] and len(server.requests) == 3
    clock.advance(60)
    server.scenario = "ok"
    probe = run_chain(make_settings(provider("p", server.url + "/v1")), store, clock=clock, sleep=clock.sleep)
    assert probe.provider == "p" and store.get("breaker:p") is None


def test_lifecycle_events_arrive_in_order(server: ProviderServer, store: Store) -> None:
    seen: list[events.Event] = []
    unsubscribe = events.subscribe(seen.append)
    try:
        run_chain(
            make_settings(provider("a", server.scenario_url("401", "/v1")), provider("b", server.url + "/v1")), store
        )
        run_chain(make_settings(provider("a", server.scenario_url("401", "/v1"))), store)
    finally:
        unsubscribe()
    assert [type(e).__name__ for e in seen] == [
        "ChainStarted", "ProviderWaiting", "ProviderAttempted", "ProviderWaiting", "ProviderAttempted",
        "ReportSucceeded", "ChainStarted", "ProviderAttempted", "FellBack",  # the breaker (auth) skips "a"
    ]  # fmt: skip
    started = seen[0]
    assert isinstance(started, events.ChainStarted) and started.providers == ("a", "b")
    waiting = seen[1]
    assert isinstance(waiting, events.ProviderWaiting) and (waiting.provider, waiting.attempt) == ("a", 1)
    attempted = seen[2]
    assert isinstance(attempted, events.ProviderAttempted) and (attempted.provider, attempted.error) == ("a", "auth")


def test_a_failing_listener_does_not_break_the_report(server: ProviderServer, store: Store) -> None:
    def broken(event: events.Event) -> None:
        raise RuntimeError("listener bug")

    unsubscribe = events.subscribe(broken)
    try:
        assert run_chain(make_settings(provider("p", server.url + "/v1")), store).provider == "p"
    finally:
        unsubscribe()


def test_chain_failures_emit_chain_failed(server: ProviderServer, store: Store) -> None:
    seen: list[events.Event] = []
    unsubscribe = events.subscribe(seen.append)
    try:
        with pytest.raises(ProvidersFailed):
            run_chain(
                make_settings(provider("p", server.scenario_url("400", "/v1"))), store, ReportOptions(fallback=False)
            )
    finally:
        unsubscribe()
    assert isinstance(seen[-1], events.ChainFailed)


def test_requests_and_failures_are_counted_in_metrics(server: ProviderServer, store: Store) -> None:
    run_chain(make_settings(provider("p", server.scenario_url("flaky:1", "/v1"))), store)
    series = dict(store.scan(metrics.PREFIX))
    assert series[metrics.metric_key("ai_requests_total", {"provider": "p", "status": "ok"})]["value"] == 1
    assert series[metrics.metric_key("ai_requests_total", {"provider": "p", "status": "error"})]["value"] == 1
    failures = metrics.metric_key("provider_failures_total", {"provider": "p", "reason": "unavailable"})
    assert series[failures]["value"] == 1
    assert series[metrics.metric_key("ai_request_duration_seconds", {"provider": "p"})]["count"] == 2

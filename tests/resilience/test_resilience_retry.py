"""Retries per error kind, backoff, Retry-After and the deadline: the real server, an injected clock."""

from __future__ import annotations

import pytest

from stepper_cli.api import ReportOptions
from stepper_cli.errors import RateLimited
from stepper_cli.store import Store
from tests.support.chainkit import FakeClock, make_settings, provider, run_chain
from tests.support.provider_server import ProviderServer

NO_BREAKER = {"failure_threshold": 100}


def errors_of(scenario: str, server: ProviderServer, store: Store, clock: FakeClock, **retry: float) -> list[str]:
    settings = make_settings(
        provider("p", server.scenario_url(scenario, "/v1")),
        retry={"max_attempts": 3, "base_delay_seconds": 0.5, "deadline_seconds": 120, **retry},
        breaker=NO_BREAKER,
    )
    out = run_chain(settings, store, ReportOptions(), clock=clock, sleep=clock.sleep)
    return [a.error or a.outcome for a in out.attempts]


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("500", ["unavailable"] * 3),
        ("503", ["unavailable"] * 3),
        ("invalid", ["invalid_response"] * 3),
        ("garbage", ["invalid_response"] * 3),
        ("429", ["rate_limited"] * 3),
        ("401", ["auth"]),
        ("403", ["auth"]),
        ("400", ["bad_request"]),
        ("404", ["bad_request"]),
        ("flaky:2", ["unavailable", "unavailable", "ok"]),
    ],
)
def test_retry_counts_per_error_kind(scenario: str, expected: list[str], server: ProviderServer, store: Store) -> None:
    assert errors_of(scenario, server, store, FakeClock()) == expected
    assert len(server.requests) == len(expected)


def test_a_timeout_is_retried(server: ProviderServer, store: Store) -> None:
    assert errors_of("hang", server, store, FakeClock(), max_attempts=2) == ["timeout", "timeout"]


def test_backoff_grows_exponentially_with_jitter(server: ProviderServer, store: Store) -> None:
    clock = FakeClock()
    errors_of("500", server, store, clock, max_attempts=4)
    first, second, third = clock.sleeps
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 1.5 and 2.0 <= third <= 2.5


def test_retry_after_is_honoured_when_it_fits_the_deadline(server: ProviderServer, store: Store) -> None:
    clock = FakeClock()
    assert errors_of("429", server, store, clock) == ["rate_limited"] * 3
    assert clock.sleeps[:1] == [2.0] and sum(clock.sleeps) == pytest.approx(4.0, abs=0.1)


def test_retry_after_as_an_http_date_is_honoured(server: ProviderServer, store: Store) -> None:
    clock = FakeClock()
    assert errors_of("429-date", server, store, clock, max_attempts=2) == ["rate_limited"] * 2
    assert 0.5 < clock.sleeps[0] <= 3.0


def test_retry_after_past_the_deadline_moves_on_to_the_next_provider(server: ProviderServer, store: Store) -> None:
    clock = FakeClock()
    settings = make_settings(
        provider("slow", server.scenario_url("429", "/v1")),
        provider("next", server.scenario_url("ok", "/v1")),
        retry={"max_attempts": 3, "base_delay_seconds": 0.01, "deadline_seconds": 1.5},
    )
    out = run_chain(settings, store, ReportOptions(), clock=clock, sleep=clock.sleep)
    assert out.provider == "next"
    assert [(a.provider, a.error) for a in out.attempts] == [("slow", "rate_limited"), ("next", None)]
    assert clock.sleeps == []  # nothing waited for a Retry-After that could not fit


def test_retries_stop_when_the_next_wait_would_pass_the_deadline(server: ProviderServer, store: Store) -> None:
    clock = FakeClock()
    settings = make_settings(
        provider("a", server.scenario_url("500", "/v1")),
        provider("b", server.scenario_url("ok", "/v1")),
        retry={"max_attempts": 10, "base_delay_seconds": 1.0, "deadline_seconds": 4.0},
    )
    out = run_chain(settings, store, ReportOptions(), clock=clock, sleep=clock.sleep)
    assert sum(clock.sleeps) < 4.0 and out.provider == "b"
    assert [a.provider for a in out.attempts] in (["a", "a", "b"], ["a", "a", "a", "b"])


def test_once_the_deadline_is_spent_the_rest_are_skipped(server: ProviderServer, store: Store) -> None:
    clock = FakeClock()
    original = server.record
    server.record = lambda req: (clock.advance(5), original(req))[1]  # type: ignore[method-assign]
    settings = make_settings(
        provider("a", server.scenario_url("500", "/v1")),
        provider("b", server.scenario_url("ok", "/v1")),
        retry={"max_attempts": 3, "base_delay_seconds": 0.01, "deadline_seconds": 4.0},
    )
    out = run_chain(settings, store, ReportOptions(), clock=clock, sleep=clock.sleep)
    assert [(a.provider, a.outcome, a.error) for a in out.attempts] == [
        ("a", "error", "unavailable"),
        ("b", "skipped", "deadline"),
    ]
    assert out.provider == "local" and out.fallback is True and len(server.requests) == 1


def test_a_providers_own_max_attempts_wins(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("p", server.scenario_url("500", "/v1"), retry={"max_attempts": 1}))
    out = run_chain(settings, store, ReportOptions(), clock=FakeClock(), sleep=FakeClock().sleep)
    assert [a.attempt for a in out.attempts] == [1]


def test_attempts_are_numbered_and_carry_the_schema_error(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("p", server.scenario_url("invalid", "/v1")), breaker=NO_BREAKER)
    clock = FakeClock()
    out = run_chain(settings, store, ReportOptions(), clock=clock, sleep=clock.sleep)
    assert [a.attempt for a in out.attempts] == [1, 2, 3]
    assert all(a.detail and "title" in a.detail for a in out.attempts)


def test_in_the_workers_mode_a_429_defers_the_job_instead_of_sleeping(server: ProviderServer, store: Store) -> None:
    clock = FakeClock()
    settings = make_settings(
        provider("a", server.scenario_url("500", "/v1")), provider("b", server.scenario_url("429", "/v1"))
    )
    with pytest.raises(RateLimited) as caught:
        run_chain(settings, store, ReportOptions(defer_rate_limits=True), clock=clock, sleep=clock.sleep)
    assert caught.value.retry_after == 2.0
    assert [r.scenario for r in server.requests] == ["500", "500", "500", "429"]
    assert all(s < 1 for s in clock.sleeps)  # backoff between the 500s only; no 2 s Retry-After sleep


def test_in_the_workers_mode_another_provider_still_covers_a_429(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("a", server.scenario_url("429", "/v1")), provider("b", server.url + "/v1"))
    out = run_chain(settings, store, ReportOptions(defer_rate_limits=True))
    assert out.provider == "b" and [a.error for a in out.attempts] == ["rate_limited", None]


def test_in_the_workers_mode_other_failures_still_fall_back(server: ProviderServer, store: Store) -> None:
    settings = make_settings(provider("a", server.scenario_url("503", "/v1")))
    assert run_chain(settings, store, ReportOptions(defer_rate_limits=True)).provider == "local"

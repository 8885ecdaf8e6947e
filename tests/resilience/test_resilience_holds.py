"""Rate-limit holds are honest: what the provider asked for is shared by every process (at most the
breaker's cooldown), a hold longer than the report's deadline moves on to the next provider at once,
`stepper providers` shows it with its time left, and `stepper providers reset` lifts it."""

from __future__ import annotations

import pytest

from stepper_cli.resilience.admin import list_providers, reset_providers
from stepper_cli.resilience.base import Skipped
from stepper_cli.resilience.ratelimit import RateLimiter
from stepper_cli.store import Store
from tests.support.chainkit import FakeClock, make_settings, provider, run_chain
from tests.support.provider_server import ProviderServer

RETRY = {"max_attempts": 3, "base_delay_seconds": 0.01, "deadline_seconds": 30}


def limiter(store: Store, clock: FakeClock, max_hold: float = 60.0) -> RateLimiter:
    return RateLimiter(store, "p", rps=100, concurrency=4, clock=clock, sleep=clock.sleep, lease=10, max_hold=max_hold)


def test_a_hold_within_the_deadline_is_waited_for(store: Store) -> None:
    clock = FakeClock()
    limiter(store, clock).defer(7, "asked for 7 s")
    before = clock()
    limiter(store, clock).acquire(60)
    assert clock() - before == pytest.approx(7)


def test_a_hold_past_the_deadline_turns_the_caller_away_saying_what_was_asked(store: Store) -> None:
    clock = FakeClock()
    limiter(store, clock).defer(600, "retry-after: 600")
    with pytest.raises(Skipped) as info:
        limiter(store, clock).acquire(30)
    assert info.value.kind == "rate_limited" and info.value.retry_after == pytest.approx(60)
    assert "asked every caller to wait 600 s; 60.0 s of the hold are left, past this report's deadline" in str(
        info.value
    )
    assert clock.sleeps == []


def test_a_hold_never_outlasts_the_cap(store: Store) -> None:
    clock = FakeClock()
    limiter(store, clock, max_hold=5).defer(600)
    hold = limiter(store, clock).hold()
    assert hold is not None and hold.left == pytest.approx(5) and hold.asked == 600
    clock.advance(5.1)
    assert limiter(store, clock).hold() is None


def test_a_long_retry_after_moves_on_and_later_runs_skip_the_provider_honestly(
    server: ProviderServer, store: Store
) -> None:
    clock = FakeClock()
    settings = make_settings(
        provider("busy", server.scenario_url("429-long:600", "/v1")),
        provider("spare", server.scenario_url("ok", "/v1")),
        retry=RETRY,
    )
    first = run_chain(settings, store, clock=clock, sleep=clock.sleep)
    assert first.provider == "spare"
    assert [(a.provider, a.outcome, a.error) for a in first.attempts] == [
        ("busy", "error", "rate_limited"), ("spare", "ok", None)]  # fmt: skip
    second = run_chain(settings, store, clock=clock, sleep=clock.sleep)
    assert [(a.provider, a.outcome, a.error) for a in second.attempts] == [
        ("busy", "skipped", "rate_limited"), ("spare", "ok", None)]  # fmt: skip
    assert sum(clock.sleeps) < 0.1  # only the requests-per-second spacing: nobody slept on the hold
    [busy, _spare, _local] = list_providers(settings, store, clock=clock)
    assert busy.hold_asked_seconds == 600 and busy.hold_seconds == pytest.approx(60, abs=0.5)
    reset_providers(settings, store, "busy")
    assert list_providers(settings, store, clock=clock)[0].hold_seconds is None
    server.reset()
    run_chain(settings, store, clock=clock, sleep=clock.sleep)
    assert server.generations()[0].scenario == "429-long:600"

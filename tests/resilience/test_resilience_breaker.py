"""The shared circuit breaker, driven by an injected clock over the real files store."""

from __future__ import annotations

import pytest

from stepper_cli.config.settings import BreakerSettings
from stepper_cli.errors import CircuitOpen
from stepper_cli.resilience.breaker import Breaker
from stepper_cli.store import Store
from tests.support.chainkit import FakeClock

pytest_plugins = ["tests.support.redis_server"]  # the `redis_server` fixture

SETTINGS = BreakerSettings(failure_threshold=3, window_seconds=60, cooldown_seconds=30)
LEASE = 10.0


@pytest.fixture
def store(any_store: Store) -> Store:
    """Files and Redis alike: shared state must behave the same on both."""
    return any_store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def breaker(store: Store, clock: FakeClock, settings: BreakerSettings = SETTINGS) -> Breaker:
    return Breaker(store, "primary", settings, clock, probe_lease=LEASE)


def open_it(b: Breaker) -> None:
    for _ in range(SETTINGS.failure_threshold):
        b.fail(b.allow(), "unavailable")


def test_closed_breaker_lets_calls_through_without_a_probe_token(store: Store, clock: FakeClock) -> None:
    assert breaker(store, clock).allow() is None
    assert breaker(store, clock).view().state == "closed"


def test_opens_after_threshold_failures_within_the_window(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    b.fail(None, "timeout")
    b.fail(None, "unavailable")
    assert b.view().state == "closed" and b.view().failures == 2
    b.fail(None, "rate_limited")
    assert b.view().state == "open" and b.view().reason == "rate_limited"
    with pytest.raises(CircuitOpen) as caught:
        b.allow()
    assert caught.value.kind == "circuit_open" and "retry in 30 s" in str(caught.value)


def test_failures_older_than_the_window_do_not_count(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    b.fail(None, "timeout")
    b.fail(None, "timeout")
    clock.advance(61)
    b.fail(None, "timeout")
    assert b.view().state == "closed" and b.view().failures == 1


def test_a_success_clears_the_failures(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    b.fail(None, "timeout")
    b.fail(None, "timeout")
    b.succeed(None)
    b.fail(None, "timeout")
    assert b.view().state == "closed" and b.view().failures == 1


def test_auth_opens_it_at_once(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    b.fail(None, "auth")
    assert b.view().state == "open" and b.view().reason == "auth"


@pytest.mark.parametrize("kind", ["bad_request", "invalid_response", "circuit_open", "no_key"])
def test_kinds_that_are_not_the_providers_fault_do_not_count(store: Store, clock: FakeClock, kind: str) -> None:
    b = breaker(store, clock)
    for _ in range(5):
        b.fail(None, kind)
    assert b.view().state == "closed" and b.view().failures == 0


def test_after_the_cooldown_exactly_one_caller_probes(store: Store, clock: FakeClock) -> None:
    first, second = breaker(store, clock), breaker(store, clock)  # two processes' views of one store
    open_it(first)
    clock.advance(29)
    with pytest.raises(CircuitOpen):
        first.allow()
    clock.advance(1)
    token = first.allow()
    assert token is not None and first.view().state == "half_open"
    with pytest.raises(CircuitOpen, match="another process is probing"):
        second.allow()


def test_a_successful_probe_closes_it(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    open_it(b)
    clock.advance(30)
    b.succeed(b.allow())
    assert b.view().state == "closed" and b.allow() is None and store.get(b.key) is None


def test_a_failed_probe_opens_it_again_for_a_full_cooldown(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    open_it(b)
    clock.advance(30)
    b.fail(b.allow(), "timeout")
    assert b.view().state == "open"
    clock.advance(29)
    with pytest.raises(CircuitOpen):
        b.allow()
    clock.advance(1)
    assert b.allow() is not None


def test_a_probe_that_counts_nothing_still_settles_nothing(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    open_it(b)
    clock.advance(30)
    b.fail(b.allow(), "bad_request")  # not the provider's state: the probe claim is just given back
    assert breaker(store, clock).allow() is not None


def test_a_prober_that_died_stops_blocking_once_its_lease_ends(store: Store, clock: FakeClock) -> None:
    crashed, other = breaker(store, clock), breaker(store, clock)
    open_it(crashed)
    clock.advance(30)
    assert crashed.allow() is not None  # and then it never reports back
    clock.advance(LEASE - 1)
    with pytest.raises(CircuitOpen):
        other.allow()
    clock.advance(1)
    token = other.allow()
    assert token is not None
    other.succeed(token)
    assert other.view().state == "closed"


def test_a_late_success_from_a_stale_prober_does_not_close_it(store: Store, clock: FakeClock) -> None:
    stale, fresh = breaker(store, clock), breaker(store, clock)
    open_it(stale)
    clock.advance(30)
    old_token = stale.allow()
    clock.advance(LEASE)
    fresh.fail(fresh.allow(), "timeout")  # the new probe failed: open again
    stale.succeed(old_token)
    assert fresh.view().state == "open"


def test_a_released_probe_lets_the_next_caller_probe_at_once(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    open_it(b)
    clock.advance(30)
    b.release(b.allow())
    assert breaker(store, clock).allow() is not None


def test_reset_closes_it(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    open_it(b)
    assert b.reset() is True
    assert b.allow() is None and b.view().state == "closed"


def test_view_counts_down_to_the_probe(store: Store, clock: FakeClock) -> None:
    b = breaker(store, clock)
    open_it(b)
    clock.advance(12)
    assert b.view().retry_in == pytest.approx(18)
    clock.advance(18)
    assert b.view().state == "half_open"

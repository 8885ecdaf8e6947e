"""The shared rate limit: GCRA turns and in-flight slots, with an injected clock, then real threads."""

from __future__ import annotations

import threading
import time

import pytest

from stepper_cli.api import ReportOptions
from stepper_cli.resilience.base import Skipped
from stepper_cli.resilience.ratelimit import RateLimiter
from stepper_cli.store import Store, open_store
from tests.support.chainkit import FakeClock, make_settings, provider, run_chain
from tests.support.provider_server import ProviderServer, provider_server

__all__ = ["provider_server"]
pytest_plugins = ["tests.support.redis_server"]  # the `redis_server` fixture


@pytest.fixture
def store(any_store: Store) -> Store:
    """Files and Redis alike: shared state must behave the same on both."""
    return any_store


def limiter(store: Store, clock: FakeClock, *, rps: float = 2.0, concurrency: int = 2) -> RateLimiter:
    return RateLimiter(store, "p", rps=rps, concurrency=concurrency, clock=clock, sleep=clock.sleep, lease=10.0)


def test_turns_are_spaced_one_interval_apart_in_arrival_order(store: Store) -> None:
    clock = FakeClock()
    start = clock()
    starts = []
    for _ in range(4):
        limiter(store, clock, concurrency=10).acquire(max_wait=60)  # a new limiter each time: another process
        starts.append(clock() - start)
    assert starts == pytest.approx([0.0, 0.5, 1.0, 1.5])


def test_an_idle_limiter_does_not_make_anyone_wait(store: Store) -> None:
    clock = FakeClock()
    lim = limiter(store, clock)
    lim.release(lim.acquire(60))
    clock.advance(5)
    lim.acquire(60)
    assert clock.sleeps == []


def test_a_turn_beyond_the_deadline_is_not_taken(store: Store) -> None:
    clock = FakeClock()
    lim = limiter(store, clock, rps=1.0, concurrency=10)
    lim.acquire(60)
    with pytest.raises(Skipped) as caught:
        lim.acquire(max_wait=0.5)
    assert caught.value.kind == "rate_limited" and "requests per second" in str(caught.value)
    before = clock()
    lim.acquire(60)  # the refused caller reserved nothing: the next turn is still 1 s after the first
    assert clock() - before == pytest.approx(1.0)


def test_in_flight_slots_are_capped_and_given_back(store: Store) -> None:
    clock = FakeClock()
    lim = limiter(store, clock, rps=1000, concurrency=2)
    first, _second = lim.acquire(60), lim.acquire(60)
    assert lim.in_flight() == 2
    with pytest.raises(Skipped, match="in-flight slots stayed busy"):
        lim.acquire(max_wait=1.0)
    lim.release(first)
    lim.acquire(max_wait=0)
    assert lim.in_flight() == 2


def test_a_slot_whose_holder_died_expires_after_its_lease(store: Store) -> None:
    clock = FakeClock()
    lim = limiter(store, clock, rps=1000, concurrency=1)
    lim.acquire(60)  # never released: its process died
    lim.acquire(max_wait=30)  # polls until the 10 s lease runs out
    assert 10 <= sum(clock.sleeps) <= 11


def test_retry_after_holds_every_process_back(store: Store) -> None:
    clock = FakeClock()
    limiter(store, clock).defer(7)
    before = clock()
    limiter(store, clock).acquire(60)
    assert clock() - before == pytest.approx(7)


def test_concurrency_is_held_across_threads_at_the_server(provider_server: ProviderServer) -> None:
    in_flight, peak = [0], [0]
    lock = threading.Lock()
    original = provider_server.record

    def counting(req):  # type: ignore[no-untyped-def]
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.15)  # the request is "in flight" at the server for a while
        with lock:
            in_flight[0] -= 1
        return original(req)

    provider_server.record = counting  # type: ignore[method-assign]
    settings = make_settings(provider("p", provider_server.url + "/v1", concurrency=2, timeout_seconds=5))

    answered: list[str] = []

    def one() -> None:
        with open_store("") as own:  # each thread its own store handle, like a process
            answered.append(run_chain(settings, own, ReportOptions()).provider)

    threads = [threading.Thread(target=one) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answered == ["p"] * 5 and len(provider_server.requests) == 5
    assert peak[0] <= 2

"""A rate limit per provider held across every stepper process: requests per second and requests in flight.

Requests per second is GCRA (the generic cell rate algorithm) with no burst, reserving rather than
polling. Store key `ratelimit:<provider>` holds {"tat": t}, the theoretical arrival time of the next
request. A caller atomically takes the slot at max(tat, now), moves tat on by 1/rps, and sleeps until
its slot: callers are served in order, spaced 1/rps apart, with one store write each. A slot further
away than the caller may wait (the report's deadline) is not taken. A 429's Retry-After pushes tat
forward, so every process backs off, not only the one that was told.

Requests in flight: store key `inflight:<provider>` holds {"slots": {token: expires_at}}. A caller
takes a slot when fewer than `concurrency` are live, and gives it back when done; a slot whose holder
died expires after its lease. A caller that finds none free polls with a growing pause until the
deadline.
"""

from __future__ import annotations

import uuid

from ..store import JSON, Store
from .base import Clock, Skipped, Sleep

RATE_PREFIX = "ratelimit:"
INFLIGHT_PREFIX = "inflight:"
POLL_FIRST, POLL_MAX = 0.02, 0.25
GC_SECONDS = 3600.0  # store TTL, so state of providers no longer used goes away


class RateLimiter:
    """The shared limits of one provider."""

    def __init__(
        self, store: Store, name: str, *, rps: float, concurrency: int, clock: Clock, sleep: Sleep, lease: float
    ) -> None:
        self.store, self.name = store, name
        self.interval = 1.0 / rps
        self.concurrency = concurrency
        self.clock, self.sleep, self.lease = clock, sleep, lease
        self.rate_key = RATE_PREFIX + name
        self.inflight_key = INFLIGHT_PREFIX + name

    def acquire(self, max_wait: float) -> str:
        """Wait for a free in-flight slot and then for this caller's turn; return the slot's token.

        Raises Skipped(kind="rate_limited") when either would take longer than `max_wait` seconds.
        """
        started = self.clock()
        token = self._take_slot(max_wait)
        try:
            self._wait_turn(max_wait - (self.clock() - started))
        except BaseException:
            self.release(token)
            raise
        return token

    def release(self, token: str) -> None:
        """Give an in-flight slot back."""

        def drop(current: JSON | None) -> JSON | None:
            slots = dict((current or {}).get("slots", {}))
            slots.pop(token, None)
            return {"slots": slots} if slots else None

        self.store.update(self.inflight_key, drop, ttl=self.lease + GC_SECONDS)

    def defer(self, seconds: float) -> None:
        """Hold every process's next request back for `seconds` (a provider's Retry-After)."""
        until = self.clock() + seconds

        def push(current: JSON | None) -> JSON:
            return {"tat": max(float((current or {}).get("tat", 0.0)), until)}

        self.store.update(self.rate_key, push, ttl=seconds + GC_SECONDS)

    def in_flight(self) -> int:
        """Return how many slots are held now."""
        now = self.clock()
        slots = (self.store.get(self.inflight_key) or {}).get("slots", {})
        return sum(1 for expires in slots.values() if float(expires) > now)

    def _take_slot(self, max_wait: float) -> str:
        token = uuid.uuid4().hex
        give_up = self.clock() + max_wait
        pause = POLL_FIRST
        while not self._try_slot(token):
            left = give_up - self.clock()
            if left <= 0:
                raise self._exceeded(f"all {self.concurrency} in-flight slots stayed busy")
            self.sleep(min(pause, left))
            pause = min(pause * 2, POLL_MAX)
        return token

    def _try_slot(self, token: str) -> bool:
        now = self.clock()
        got: list[bool] = [False]

        def take(current: JSON | None) -> JSON | None:
            live = {t: e for t, e in (current or {}).get("slots", {}).items() if float(e) > now}
            got[0] = len(live) < self.concurrency
            if got[0]:
                live[token] = now + self.lease
            return {"slots": live} if live else None

        self.store.update(self.inflight_key, take, ttl=self.lease + GC_SECONDS)
        return got[0]

    def _wait_turn(self, max_wait: float) -> None:
        now = self.clock()
        wait: list[float | None] = [None]

        def reserve(current: JSON | None) -> JSON | None:
            start = max(float((current or {}).get("tat", 0.0)), now)
            if start - now > max_wait:
                wait[0] = None
                return current
            wait[0] = start - now
            return {"tat": start + self.interval}

        self.store.update(self.rate_key, reserve, ttl=max(max_wait, 0.0) + self.interval + GC_SECONDS)
        if wait[0] is None:
            raise self._exceeded(f"its {1 / self.interval:g} requests per second are taken")
        if wait[0] > 0:
            self.sleep(wait[0])

    def _exceeded(self, why: str) -> Skipped:
        return Skipped(
            "rate_limited",
            f"Provider '{self.name}' was passed over: {why} until the report's deadline.",
            detail=f"stepper's own rate limit: {why}",
        )

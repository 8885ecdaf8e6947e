"""A rate limit per provider held across every stepper process: requests per second and requests in flight.

Requests per second is GCRA (the generic cell rate algorithm) with no burst, reserving rather than
polling. Store key `ratelimit:<provider>` holds {"tat": t}, the theoretical arrival time of the next
request. A caller atomically takes the slot at max(tat, now), moves tat on by 1/rps, and sleeps until
its slot: callers are served in order, spaced 1/rps apart, with one store write each. A slot further
away than the caller may wait (the report's deadline) is not taken. A 429's Retry-After pushes tat
forward, so every process backs off, not only the one that was told.

A 429's Retry-After is a *hold*, in the same key, shared by every process:

    {"tat": t, "hold": until, "asked": seconds, "said": "<the provider's words>"}

no hold -> held     a 429 asked for `seconds`; `until` = now + min(seconds, max_hold), so one provider's
                    long wait never blocks other repositories for longer than the cap
held -> held        while `until` is ahead: a caller that may wait that long (within its report's
                    deadline) sleeps until then; one that may not, or a worker's caller (`hold_back`,
                    its queue keeps the job instead), is turned away at once with the time left
held -> no hold     `until` passes, or `stepper providers reset`

Requests in flight: store key `inflight:<provider>` holds {"slots": {token: expires_at}}. A caller
takes a slot when fewer than `concurrency` are live, and gives it back when done; a slot whose holder
died expires after its lease, or at once when the holder was a process of this host (a token names its
host and pid). A caller that finds none free polls with a growing pause until the
deadline.
"""

from __future__ import annotations

import math
import os
import socket
import uuid
from dataclasses import dataclass

from ..store import JSON, Store
from ..store.base import Write
from .base import Clock, Skipped, Sleep

RATE_PREFIX = "ratelimit:"
INFLIGHT_PREFIX = "inflight:"
POLL_FIRST, POLL_MAX = 0.02, 0.25
GC_SECONDS = 3600.0  # store TTL, so state of providers no longer used goes away
_HOST = socket.gethostname()


@dataclass(frozen=True)
class Hold:
    """A provider's request to wait, as shared: seconds left, seconds it asked for, and its words."""

    left: float
    asked: float
    said: str


class RateLimiter:
    """The shared limits of one provider."""

    def __init__(
        self,
        store: Store,
        name: str,
        *,
        rps: float,
        concurrency: int,
        clock: Clock,
        sleep: Sleep,
        lease: float,
        max_hold: float = 60.0,
    ) -> None:
        self.store, self.name, self.max_hold = store, name, max(max_hold, 1.0)
        self.interval = 1.0 / rps
        self.concurrency = concurrency
        self.clock, self.sleep, self.lease = clock, sleep, lease
        self.rate_key = RATE_PREFIX + name
        self.inflight_key = INFLIGHT_PREFIX + name

    def acquire(self, max_wait: float, *, hold_back: bool = False) -> str:
        """Wait for a free in-flight slot and then for this caller's turn; return the slot's token.

        The slot and the turn are taken in one store transaction. Raises Skipped(kind="rate_limited") when
        either would take longer than `max_wait` seconds, and with `hold_back` (a worker, whose queue can hold
        a job instead) while a provider's Retry-After is still running, with `retry_after` set to what is
        left of it: no thread sleeps on it holding a slot.
        """
        token = f"{_HOST}|{os.getpid()}|{uuid.uuid4().hex}"
        give_up = self.clock() + max_wait
        pause = POLL_FIRST
        while (took := self._take(token, give_up - self.clock())) is None:
            left = give_up - self.clock()
            if left <= 0:
                raise self._exceeded(f"all {self.concurrency} in-flight slots stayed busy")
            self.sleep(min(pause, left))
            pause = min(pause * 2, POLL_MAX)
        try:
            wait = self._after_hold(took, give_up, hold_back) if isinstance(took, Hold) else took
            if wait == math.inf:
                raise self._exceeded(f"its {1 / self.interval:g} requests per second are taken")
            if wait > 0:
                self.sleep(wait)
        except BaseException:
            self.release(token)
            raise
        return token

    def release(self, token: str) -> None:
        """Give an in-flight slot back, at once."""
        self.store.write_many([self._giving_back(token)])

    def release_later(self, token: str) -> None:
        """Give an in-flight slot back with the caller's own bookkeeping: a worker's job writes it in the
        transaction that ends the job (`jobs.batch`); every other store writes it at once."""
        self._giving_back(token).apply(self.store)

    def _giving_back(self, token: str) -> Write:
        def drop(current: JSON | None) -> JSON | None:
            slots = dict((current or {}).get("slots", {}))
            slots.pop(token, None)
            return {"slots": slots} if slots else None

        return Write.update(self.inflight_key, drop, ttl=self.lease + GC_SECONDS)

    def defer(self, seconds: float, said: str = "") -> None:
        """Hold every process's next request back for `seconds` (a provider's Retry-After), at most max_hold."""
        until = self.clock() + min(seconds, self.max_hold)

        def push(current: JSON | None) -> JSON:
            state = dict(current or {})
            if until > float(state.get("hold", 0.0)):
                state.update(hold=until, asked=seconds, said=said[:200])
            return state

        self.store.update(self.rate_key, push, ttl=seconds + GC_SECONDS)

    def hold(self) -> Hold | None:
        """Return the hold in force now, if any."""
        return _hold_in(self.store.get(self.rate_key) or {}, self.clock())

    def reset(self) -> bool:
        """Lift the hold and forget the spacing and in-flight slots; return whether any state was there."""
        return self.store.delete(self.rate_key) | self.store.delete(self.inflight_key)

    def in_flight(self) -> int:
        """Return how many slots are held now."""
        now = self.clock()
        slots = (self.store.get(self.inflight_key) or {}).get("slots", {})
        return sum(1 for expires in slots.values() if float(expires) > now)

    def _take(self, token: str, max_wait: float) -> float | Hold | None:
        """In one transaction, a free slot and with it the next turn. Returns the seconds until that turn (inf
        when it is further than `max_wait`: none was reserved), the hold in force (slot taken, no turn), or
        None when no slot was free (nothing taken)."""
        now = self.clock()
        got: list[float | Hold | None] = [None]

        def take(current: JSON | None) -> JSON | None:
            got[0] = None
            slots = (current or {}).get("slots", {})
            live = {t: e for t, e in slots.items() if float(e) > now and _holder_alive(t)}
            if len(live) < self.concurrency:
                live[token] = now + self.lease
                got[0] = math.inf  # a slot; the turn is decided next
            return {"slots": live} if live else None

        def reserve(current: JSON | None) -> JSON | None:
            if got[0] is None:
                return current  # no slot, so no turn either
            held = _hold_in(current or {}, now)
            if held is not None:
                got[0] = held
                return current
            return self._reserved(current, now, max_wait, got)

        self.store.write_many([
            Write.update(self.inflight_key, take, ttl=self.lease + GC_SECONDS),
            Write.update(self.rate_key, reserve, ttl=self._rate_ttl(max_wait)),
        ])  # fmt: skip
        return got[0]

    def _after_hold(self, took: Hold, give_up: float, hold_back: bool) -> float:
        """With a slot and a hold in force: wait it out when the caller may, and then reserve a turn; or refuse."""
        if hold_back or took.left > give_up - self.clock():
            raise self._held(took, hold_back)
        self.sleep(took.left)
        now, max_wait = self.clock(), give_up - self.clock()
        got: list[float | Hold | None] = [math.inf]
        self.store.update(self.rate_key, lambda current: self._reserved(current, now, max_wait, got),
                          ttl=self._rate_ttl(max_wait))  # fmt: skip
        return got[0] if isinstance(got[0], float) else math.inf

    def _reserved(
        self, current: JSON | None, now: float, max_wait: float, got: list[float | Hold | None]
    ) -> JSON | None:
        """The rate state with the next turn reserved (its wait put in got[0]), or unchanged when it is too far."""
        state = current or {}
        start = max(float(state.get("tat", 0.0)), now)
        if start - now > max_wait:
            got[0] = math.inf
            return current
        got[0] = start - now
        return {**state, "tat": start + self.interval}

    def _rate_ttl(self, max_wait: float) -> float:
        """Long enough for the turn reserved and for any hold the key may hold (a caller without a slot writes
        the state back unchanged)."""
        return max(max_wait, self.max_hold, 0.0) + self.interval + GC_SECONDS

    def _held(self, held: Hold, hold_back: bool) -> Skipped:
        past = "" if hold_back else ", past this report's deadline"
        return Skipped(
            "rate_limited",
            f"Provider '{self.name}' asked every caller to wait {held.asked:g} s; {held.left:.1f} s of the hold "
            f"are left{past}.",
            detail=held.said or "held back by the provider's Retry-After",
            retry_after=held.left,
        )

    def _exceeded(self, why: str) -> Skipped:
        return Skipped(
            "rate_limited",
            f"Provider '{self.name}' was passed over: {why} until the report's deadline.",
            detail=f"stepper's own rate limit: {why}",
        )


def _hold_in(state: JSON, now: float) -> Hold | None:
    """The hold a rate state records, if it is still in force at `now`."""
    left = float(state.get("hold", 0.0)) - now
    if left <= 0:
        return None
    asked = state.get("asked")
    return Hold(left, float(asked) if isinstance(asked, int | float) else left, str(state.get("said", "")))


def _holder_alive(token: str) -> bool:
    """Whether a slot's holder may still be running: False only for a process of this host that is gone.

    A SIGKILLed worker never gives its slots back; waiting out their lease (twice the provider's timeout)
    would stall the provider for every process, so a caller on the same host frees them at once.
    """
    host, _, pid = token.rpartition("|")[0].rpartition("|")  # host|pid|random
    if host != _HOST or not pid.isdigit():
        return True  # another machine's slot (or an older token): its lease decides
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, under another user
        return True
    return True

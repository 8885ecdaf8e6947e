"""A circuit breaker per provider whose state lives in the store, so every stepper process sees one truth.

Store key `breaker:<provider>`, a JSON object (absent means closed with no failures):

    {"state": "closed", "failures": [t, ...]}         failure times inside the window
    {"state": "open", "opened_at": t, "reason": kind}
    {"state": "half_open", "opened_at": t, "reason": kind, "probe": token, "probe_until": t}

closed -> open after `failure_threshold` failures within `window_seconds` (an `auth` failure opens it at
once); open -> half_open once `cooldown_seconds` have passed, claimed atomically by exactly one caller,
the prober, whose claim is a lease: a prober that crashes stops blocking others when `probe_until`
passes. The prober's success closes the breaker, its failure opens it again. A success in the closed
state clears the failures: they must come without a success between them.

What counts as a failure (`COUNTED`): timeout, unavailable, rate_limited and auth, the provider's own
state. Not counted: bad_request and invalid_response (the server answered; the fault is in our request
or in one reply, and retries or the next provider deal with it), and every skip (nothing was sent).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..config.model import BreakerSettings
from ..errors import CircuitOpen
from ..store import JSON, Store
from .base import Clock

PREFIX = "breaker:"
COUNTED = frozenset({"timeout", "unavailable", "rate_limited", "auth"})
OPENS_AT_ONCE = frozenset({"auth"})


@dataclass(frozen=True)
class BreakerView:
    """A breaker's state for people: closed, open or half_open, recent failures, seconds until a probe."""

    state: str
    failures: int = 0
    reason: str | None = None
    retry_in: float | None = None


class Breaker:
    """The shared breaker of one provider."""

    def __init__(self, store: Store, name: str, settings: BreakerSettings, clock: Clock, *, probe_lease: float) -> None:
        self.store, self.name, self.settings = store, name, settings
        self.clock = clock
        self.probe_lease = probe_lease
        self.key = PREFIX + name

    def allow(self) -> str | None:
        """Let a call through: None when closed, a probe token when this caller probes; else CircuitOpen."""
        now = self.clock()
        token = uuid.uuid4().hex
        claimed: list[bool] = [False]

        def claim(current: JSON | None) -> JSON | None:
            claimed[0] = False
            state = current or {"state": "closed"}
            if state["state"] == "closed" or not self._may_probe(state, now):
                return current
            claimed[0] = True
            return {**state, "state": "half_open", "probe": token, "probe_until": now + self.probe_lease}

        current = self.store.get(self.key)
        if current is None or current["state"] == "closed":
            return None
        new = self.store.update(self.key, claim)
        if claimed[0]:
            return token
        if new is None or new["state"] == "closed":
            return None
        raise self._open_error(new, now)

    def succeed(self, token: str | None) -> None:
        """Record a good reply: close the breaker and forget failures (a write only when needed)."""
        current = self.store.get(self.key)
        if current is None or (current["state"] == "closed" and not current.get("failures")):
            return

        def close(state: JSON | None) -> JSON | None:
            if state is None or state["state"] == "closed":
                return None
            if token is not None and state.get("probe") == token:
                return None
            return state  # opened by someone else since this call was let through; the prober decides

        self.store.update(self.key, close)

    def fail(self, token: str | None, kind: str) -> None:
        """Record a failed call; open the breaker when it counts and the threshold is reached."""
        if kind not in COUNTED:
            self.release(token)
            return
        now = self.clock()
        self.store.update(self.key, lambda current: self._after_failure(current, token, kind, now))

    def release(self, token: str | None) -> None:
        """Give up a probe claim without a verdict (the call was never made): others may probe at once."""
        if token is None:
            return

        def drop(current: JSON | None) -> JSON | None:
            if current is None or current.get("probe") != token:
                return current
            return {**current, "probe_until": 0.0}

        self.store.update(self.key, drop)

    def view(self) -> BreakerView:
        """Return the breaker's state as of now."""
        now = self.clock()
        state = self.store.get(self.key) or {"state": "closed"}
        if state["state"] == "closed":
            return BreakerView("closed", failures=len(self._recent(state, now)))
        retry_in = max(0.0, float(state["opened_at"]) + self.settings.cooldown_seconds - now)
        name = "half_open" if state["state"] == "half_open" or retry_in == 0 else "open"
        return BreakerView(name, reason=state.get("reason"), retry_in=retry_in)

    def reset(self) -> bool:
        """Close the breaker and forget its failures; return whether it held any state."""
        return self.store.delete(self.key)

    def _after_failure(self, current: JSON | None, token: str | None, kind: str, now: float) -> JSON:
        state = current or {"state": "closed"}
        if state["state"] != "closed":
            if token is not None and state.get("probe") == token:
                return self._opened(kind, now)  # the probe failed
            return state
        failures = [*self._recent(state, now), now]
        if kind in OPENS_AT_ONCE or len(failures) >= self.settings.failure_threshold:
            return self._opened(kind, now)
        return {"state": "closed", "failures": failures}

    def _opened(self, kind: str, now: float) -> JSON:
        return {"state": "open", "opened_at": now, "reason": kind}

    def _recent(self, state: JSON, now: float) -> list[float]:
        since = now - self.settings.window_seconds
        return [float(t) for t in state.get("failures", []) if float(t) > since]

    def _may_probe(self, state: JSON, now: float) -> bool:
        cooled = now >= float(state["opened_at"]) + self.settings.cooldown_seconds
        lease_over = float(state.get("probe_until", 0.0)) <= now
        return cooled and (state["state"] == "open" or lease_over)

    def _open_error(self, state: dict[str, Any], now: float) -> CircuitOpen:
        wait = max(0.0, float(state["opened_at"]) + self.settings.cooldown_seconds - now)
        when = "another process is probing it" if state["state"] == "half_open" else f"retry in {wait:.0f} s"
        # opened by 429s, the provider is throttling, not down: a queued job waits for the probe instead of
        # falling back (the chain defers it for retry_after)
        retry_after = max(wait, 1.0) if state.get("reason") == "rate_limited" else None
        return CircuitOpen(
            f"Provider '{self.name}' is switched off by its circuit breaker ({when}).",
            detail=f"opened after {state.get('reason', 'failures')}; {when}",
            retry_after=retry_after,
        )

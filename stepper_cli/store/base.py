"""The store interface: small atomic primitives over JSON objects that every backend implements alike.

Higher layers (report cache, job ledger, breakers, rate limits, metrics) are written against `Store` only,
so local files and Redis give them the same semantics:

- keys are strings, values are JSON objects (dicts); nothing is ever pickled;
- `ttl` is in wall-clock seconds, `None` means "never expires", and an expired entry is invisible to
  every method (get, update, add, incr, scan, clear);
- each method is atomic across processes; `update` is the read-modify-write primitive.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, Literal, NamedTuple, TypeAlias

from ..errors import ForeignEntry

JSON: TypeAlias = dict[str, Any]
Updater: TypeAlias = Callable[[JSON | None], JSON | None]


class Write(NamedTuple):
    """One write of `Store.write_many`: a put of value, an update by fn, or an incr by amount."""

    kind: Literal["put", "update", "incr"]
    key: str
    value: JSON | None = None
    fn: Updater | None = None
    amount: float = 1.0
    ttl: float | None = None

    @classmethod
    def put(cls, key: str, value: JSON, ttl: float | None = None) -> Write:
        return cls("put", key, value=value, ttl=ttl)

    @classmethod
    def update(cls, key: str, fn: Updater, ttl: float | None = None) -> Write:
        return cls("update", key, fn=fn, ttl=ttl)

    @classmethod
    def incr(cls, key: str, amount: float = 1.0) -> Write:
        return cls("incr", key, amount=amount)

    def after(self, old: JSON | None) -> JSON | None:
        """What this write leaves at its key where `old` was: the value put, fn's answer, or the counter's sum."""
        if self.kind == "put":
            return self.value
        if self.kind == "update":
            return old if self.fn is None else self.fn(old)
        return {"value": counter_value(old, self.key) + self.amount}

    def apply(self, store: Store) -> JSON | float | None:
        """This write on its own, through the store's own put, update or incr; what it stored."""
        if self.kind == "put":
            store.put(self.key, self.value or {}, self.ttl)
            return self.value
        if self.kind == "update":
            return store.update(self.key, self.after, self.ttl)
        return store.incr(self.key, self.amount)


class Store(ABC):
    """A key-value store of JSON objects shared by every stepper process that opens the same location."""

    @abstractmethod
    def get(self, key: str) -> JSON | None:
        """Return the value at key, or None when it is absent or expired."""

    def get_many(self, keys: Sequence[str]) -> dict[str, JSON]:
        """The live values of keys, by key (an absent or expired key is left out); the backends read them at once."""
        found = {key: self.get(key) for key in keys}
        return {key: value for key, value in found.items() if value is not None}

    @abstractmethod
    def put(self, key: str, value: JSON, ttl: float | None = None) -> None:
        """Store value at key, replacing any old value and its expiry."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove key; return whether a live value was there."""

    @abstractmethod
    def update(self, key: str, fn: Updater, ttl: float | None = None) -> JSON | None:
        """Atomically replace the value at key with fn(current value or None); None from fn deletes.

        fn may be called more than once (optimistic retry), so it must be pure and quick. `ttl` applies
        to the new value exactly as in `put`. Return what was stored (None if the key was deleted).
        """

    @abstractmethod
    def add(self, key: str, value: JSON, ttl: float | None = None) -> bool:
        """Store value only if key holds no live value; return whether it was stored."""

    @abstractmethod
    def incr(self, key: str, amount: float = 1.0) -> float:
        """Add amount to the counter {"value": n} at key (0 when absent), keeping its expiry; return n."""

    def write_many(self, writes: Sequence[Write]) -> list[JSON | float | None]:
        """Apply writes in order, all or none, as one transaction; return what each stored (a counter: its n).

        An update sees the earlier writes of the same batch. This default applies them one by one (not atomic);
        the backends override it with one transaction, which is what a worker's job outcome is written in.
        """
        return [w.apply(self) for w in writes]

    @abstractmethod
    def scan(self, prefix: str) -> Iterator[tuple[str, JSON]]:
        """Yield (key, value) for every live key starting with prefix, in key order."""

    @abstractmethod
    def clear(self, prefix: str = "") -> int:
        """Remove every key starting with prefix; return how many live values were removed."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store must not be used afterwards."""

    @abstractmethod
    def describe(self) -> str:
        """Name the backend and location for people, with any password masked."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def encode(value: object) -> str:
    """Serialise a store value to compact JSON text, refusing anything that is not a JSON object."""
    if not isinstance(value, dict):
        raise TypeError(f"store values must be JSON objects (dicts), not {type(value).__name__}")
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"store values must be JSON-serialisable: {exc}") from exc


def decode(text: str | bytes, key: str, where: str) -> JSON:
    """Parse stored JSON text back into a dict; anything else means the store holds foreign data."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ForeignEntry(f"The entry '{key}' in the store ({where}) is not a JSON object stepper wrote.", key=key)
    return value


def check_key(key: object) -> str:
    """Return key if it is a string; store keys are always text."""
    if not isinstance(key, str):
        raise TypeError(f"store keys must be strings, not {type(key).__name__}")
    return key


def check_ttl(ttl: float | None) -> float | None:
    """Return ttl if it is None or a positive, finite number of seconds."""
    if ttl is not None and not (isinstance(ttl, int | float) and math.isfinite(ttl) and ttl > 0):
        raise ValueError(f"ttl must be a positive number of seconds or None, not {ttl!r}")
    return ttl


def check_amount(amount: float) -> float:
    """Return amount as a float if it is a finite number (JSON has no infinities)."""
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount):
        raise ValueError(f"incr amount must be a finite number, not {amount!r}")
    return float(amount)


def counter_value(value: JSON | None, key: str) -> float:
    """Return the number in a counter value {"value": n}; 0 when absent."""
    if value is None:
        return 0.0
    number = value.get("value")
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise TypeError(f"the store entry '{key}' is not a counter")
    return float(number)


class Wrapped(Store):
    """A store that hands every call to an inner store: the base of stores that watch or defer some calls."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def get(self, key: str) -> JSON | None:
        return self.inner.get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, JSON]:
        return self.inner.get_many(keys)

    def put(self, key: str, value: JSON, ttl: float | None = None) -> None:
        self.inner.put(key, value, ttl)

    def delete(self, key: str) -> bool:
        return self.inner.delete(key)

    def update(self, key: str, fn: Updater, ttl: float | None = None) -> JSON | None:
        return self.inner.update(key, fn, ttl)

    def add(self, key: str, value: JSON, ttl: float | None = None) -> bool:
        return self.inner.add(key, value, ttl)

    def incr(self, key: str, amount: float = 1.0) -> float:
        return self.inner.incr(key, amount)

    def write_many(self, writes: Sequence[Write]) -> list[JSON | float | None]:
        return self.inner.write_many(writes)

    def scan(self, prefix: str) -> Iterator[tuple[str, JSON]]:
        return self.inner.scan(prefix)

    def clear(self, prefix: str = "") -> int:
        return self.inner.clear(prefix)

    def close(self) -> None:
        self.inner.close()

    def describe(self) -> str:
        return self.inner.describe()

"""The worker's store: a job's bookkeeping (ledger, report cache, metrics) is written in one transaction.

Inside `collect()`, the writes a thread makes to keys under DEFERRED (the job's ledger record, the report and
its alias, counters and histograms, and the give-back of a provider's in-flight slot after its report) wait
in a per-thread list, and leave in one `write_many` when the block ends, even when it ends by an exception
(a requeue or a failure must be recorded). Every other key (breakers, rate limits) and every other thread
(the lease keeper) write through at once: that state coordinates live work. So does a `write_many` (the
rate limiter taking a slot and a turn, or giving a slot back at once): a caller asking for a transaction gets
it now, and it carries this thread's deferred writes to the same keys first, so it sees them.
A deferred `update` runs fn at once on what this thread would see, so its caller gets
its answer; `write_many` runs fn again on the stored value, atomically (fn is pure by the store's contract).
A deferred `incr` answers with the batch's own sum for that counter (nothing reads the stored total).

A crash before the flush loses the job's bookkeeping only: the ledger still says running under a lease, so
the job runs again, as it would have after a crash in the middle of eleven separate writes; the provider slot
it held is freed as a dead holder's is (`resilience.ratelimit`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence

from ..store.base import JSON, Store, Updater, Wrapped, Write

DEFERRED = ("job:", "report:", "alias:", "metric:", "inflight:")


class BatchingStore(Wrapped):
    """A store that defers one thread's job bookkeeping to the end of `collect()`; reads see those writes."""

    def __init__(self, inner: Store) -> None:
        super().__init__(inner)
        self._local = threading.local()

    @contextlib.contextmanager
    def collect(self) -> Iterator[None]:
        """Defer this thread's bookkeeping writes until the block ends, then write them in one transaction."""
        pending: list[Write] = []
        self._local.pending = pending
        try:
            yield
        finally:
            self._local.pending = None
            if pending:
                self.inner.write_many(pending)

    def _pending(self, key: str) -> list[Write] | None:
        pending: list[Write] | None = getattr(self._local, "pending", None)
        return pending if pending is not None and key.startswith(DEFERRED) else None

    def get(self, key: str) -> JSON | None:
        pending = self._pending(key)
        value = self.inner.get(key)
        for w in pending or ():
            if w.key == key:
                value = w.after(value)
        return value

    def get_many(self, keys: Sequence[str]) -> dict[str, JSON]:
        if getattr(self._local, "pending", None) is None:
            return self.inner.get_many(keys)
        return Store.get_many(self, keys)  # one by one, each seeing this thread's deferred writes

    def write_many(self, writes: Sequence[Write]) -> list[JSON | float | None]:
        pending: list[Write] | None = getattr(self._local, "pending", None)
        keys = {w.key for w in writes}
        if not pending or not any(w.key in keys for w in pending):
            return self.inner.write_many(writes)
        carried = [w for w in pending if w.key in keys]
        done = self.inner.write_many([*carried, *writes])
        pending[:] = [w for w in pending if w.key not in keys]
        return done[len(carried) :]

    def put(self, key: str, value: JSON, ttl: float | None = None) -> None:
        pending = self._pending(key)
        if pending is None:
            self.inner.put(key, value, ttl)
        else:
            pending.append(Write.put(key, value, ttl))

    def update(self, key: str, fn: Updater, ttl: float | None = None) -> JSON | None:
        pending = self._pending(key)
        if pending is None:
            return self.inner.update(key, fn, ttl)
        new = fn(self.get(key))
        pending.append(Write.update(key, fn, ttl))
        return new

    def incr(self, key: str, amount: float = 1.0) -> float:
        pending = self._pending(key)
        if pending is None:
            return self.inner.incr(key, amount)
        pending.append(Write.incr(key, amount))
        # The batch's own sum for the key, not the stored total: reading it would cost a query per counter,
        # and counting (`store.counters.count`) never looks at the answer.
        return sum(w.amount for w in pending if w.key == key and w.kind == "incr")

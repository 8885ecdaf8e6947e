"""`stepper worker`: the huey consumer in this process, with thread workers running ledger jobs.

Around the consumer: a keeper thread renews the leases of running jobs, puts jobs whose worker died back on
the queue (at start and periodically), and with --burst stops the consumer once nothing is left. SIGINT and
SIGTERM both shut down gracefully: running jobs get `shutdown_timeout` seconds to finish, then go back to
the queue. huey's own warnings and errors (the queue unreachable while Redis restarts) become one line
each in the worker's log, never a traceback.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from huey.consumer import Consumer

from . import transport as queue
from .checks import JobGate
from .ledger import Ledger
from .runner import JobRunner

if TYPE_CHECKING:
    from ..store import Store

QUEUED_GRACE = 2.0  # a queued job this old with no message lost it (a crash between ledger and queue)
QUEUE_LOG_EVERY = 5.0  # the same complaint from huey (Redis down: every thread, every poll) this often at most


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker runs: thread count, drain-and-exit, grace for running jobs at shutdown, lease length."""

    concurrency: int = 4
    burst: bool = False
    shutdown_timeout: float = 30.0
    lease_seconds: float = 60.0


@dataclass(frozen=True)
class WorkerSummary:
    """How many jobs this worker run finished, failed, deferred, and handed back at shutdown."""

    done: int = 0
    failed: int = 0
    deferred: int = 0
    requeued: int = 0


class _Consumer(Consumer):  # type: ignore[misc]
    """huey's consumer with both SIGINT and SIGTERM meaning "finish what is running, then stop"."""

    def __init__(self, huey: Any, **options: Any) -> None:
        super().__init__(huey, **options)
        # huey's private signal -> (restart, graceful) table: held by tests/test_store_huey.py and the huey pin
        self._signal_actions = {signal.SIGINT: (False, True), signal.SIGTERM: (False, True)}


def run_worker(
    store: Store, url: str, options: WorkerOptions, log: Callable[[str], None], repositories: Sequence[str] = ()
) -> WorkerSummary:
    """Consume the queue until a signal (or, with burst, until it is drained); return the tally.

    Jobs run only in repositories registered on this machine or listed in `repositories` (queue.repositories).
    """
    huey = queue.open_huey(url)
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"
    runner = JobRunner(store, worker_id, options.lease_seconds, log, JobGate(repositories))

    queue.register(huey, runner)
    consumer = _Consumer(
        huey, workers=options.concurrency, worker_type="thread", periodic=False, initial_delay=0.05,
        backoff=1.3, max_delay=0.5, health_check_interval=5, shutdown_timeout=options.shutdown_timeout,
    )  # fmt: skip
    keeper = Keeper(runner, huey, url, options, consumer.stop_flag.set)
    keeper.recover()
    keeper.start()
    huey_log, handler = logging.getLogger("huey"), QueueLog(log)
    huey_log.addHandler(handler)  # and Python's last-resort handler no longer prints huey's tracebacks
    try:
        consumer.run()
        if options.burst:
            consumer.stop(graceful=True)
    finally:
        keeper.halt()
        huey_log.removeHandler(handler)
        runner.ahead.close()
    requeued = keeper.hand_back()
    c = runner.counts
    return WorkerSummary(c["done"], c["failed"], c["deferred"], requeued)


class QueueLog(logging.Handler):
    """huey's warnings and errors as one line each in the worker's log, a repeated one once per QUEUE_LOG_EVERY s."""

    def __init__(self, log: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.log = log
        self._last: dict[tuple[str, str], float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        key, now = (str(record.msg), type(exc).__name__), time.monotonic()
        if now - self._last.get(key, now - QUEUE_LOG_EVERY) < QUEUE_LOG_EVERY:
            return
        self._last[key] = now
        reason = f": {str(exc).rstrip('.')}" if exc is not None else ""
        self.log(f"worker: queue: {record.getMessage().rstrip('.')}{reason}")


class Keeper(threading.Thread):
    """Renews leases, recovers lost jobs, and ends a burst run once the queue is drained."""

    def __init__(
        self, runner: JobRunner, huey: Any, url: str, options: WorkerOptions, stop: Callable[[], None]
    ) -> None:
        super().__init__(name="stepper-keeper", daemon=True)
        self.runner, self.huey, self.url, self.options, self.stop = runner, huey, url, options, stop
        self.ledger = Ledger(runner.store)
        self._halt = threading.Event()
        self._renew_every = options.lease_seconds / 3
        self._recover_every = min(options.lease_seconds / 2, 5.0)

    def run(self) -> None:
        last_renew = last_recover = time.monotonic()
        while not self._halt.wait(0.2):
            now = time.monotonic()
            try:
                if now - last_renew >= self._renew_every:
                    last_renew = now
                    self.renew()
                if now - last_recover >= self._recover_every:
                    last_recover = now
                    self.recover()
                if self.options.burst and self.drained():
                    self.stop()
            except Exception as exc:  # a store hiccup must not kill the keeper
                self.runner.log(f"worker: keeper error: {exc}")

    def halt(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=5)

    def renew(self) -> None:
        for job_id in list(self.runner.inflight):
            self.ledger.renew(job_id, self.runner.worker_id, self.options.lease_seconds)

    def recover(self) -> None:
        """Re-queue running jobs whose lease ran out, and queued jobs whose message was lost."""
        now, waiting, jobs = time.time(), queue.waiting_jobs(self.huey, self.url), self.ledger.jobs()
        self.runner.ahead.foresee(jobs)
        for job in jobs:
            job_id = job["job_id"]
            mine = job_id in self.runner.inflight  # renewed by us; a late renewal is not a dead worker
            if (
                job["state"] == "running"
                and not mine
                and (job.get("lease_until") or 0) < now
                and self.ledger.requeue(job_id, expired=True)
            ):
                self.runner.log(f"job {job_id} requeued: its worker stopped renewing the lease")
                queue.push(self.url, job_id, job["priority"], huey=self.huey)
            elif (
                job["state"] == "queued"
                and not mine
                and job_id not in waiting
                and (now - job["created_at"] > QUEUED_GRACE and (job.get("not_before") or 0) <= now)
            ):
                queue.push(self.url, job_id, job["priority"], huey=self.huey)

    def drained(self) -> bool:
        """Nothing running here, nothing on the queue, and no job left queued or running anywhere."""
        if self.runner.inflight or self.huey.storage.queue_size() or self.huey.storage.schedule_size():
            return False
        return not any(job["state"] in ("queued", "running") for job in self.ledger.jobs())

    def hand_back(self) -> int:
        """Put jobs still running in this process back on the queue (shutdown timed out)."""
        count = 0
        for job_id in list(self.runner.inflight):
            if self.ledger.requeue(job_id, self.runner.worker_id):
                priority = (self.ledger.get(job_id) or {}).get("priority")
                queue.push(self.url, job_id, priority if isinstance(priority, int) else 0, huey=self.huey)
                self.runner.log(f"job {job_id} handed back to the queue at shutdown")
                count += 1
        return count

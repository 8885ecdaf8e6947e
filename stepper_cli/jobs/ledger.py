"""The job ledger: one JSON record per job in the store, the truth about every job (huey only carries messages).

    job:<id>  {"job_id", "state": "queued|running|done|failed", "key", "commit", "repo", "repo_path",
               "priority", "patch_id", "created_at", "started_at", "finished_at", "attempts", "worker", "lease_until",
               "not_before", "provider", "fallback", "error", "result"}

queued → running (a worker holds a lease, renewed while it runs) → done | failed. A running job whose lease
ran out goes back to queued, which is what makes jobs at-least-once. Standard library only (git-hook path).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from ..store.base import Write

if TYPE_CHECKING:
    from ..store import Store

JOB_PREFIX = "job:"
ACTIVE = ("queued", "running")
STATES = ("queued", "running", "done", "failed")
KEEP_FINISHED_SECONDS = 7 * 86400

Job = dict[str, Any]


def new_job_id() -> str:
    """A fresh random job id (16 hex digits)."""
    return os.urandom(8).hex()


class Ledger:
    """Job records in a store; every state change is one atomic update."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store, self.clock = store, clock

    def record(self, key: str, commit: str, repo_name: str, repo_path: str, priority: int = 0) -> Job:
        """A new queued job's record, not stored yet (`staged` writes it, with its cache claim, in the enqueue's
        transaction). `patch_id` stays None: the worker reads patch ids itself; jobs of older versions carry one."""
        return {
            "job_id": new_job_id(), "state": "queued", "key": key, "commit": commit, "repo": repo_name,
            "repo_path": repo_path, "priority": priority, "patch_id": None, "created_at": self.clock(),
            "started_at": None,
            "finished_at": None, "attempts": 0, "worker": None, "lease_until": None, "not_before": None,
            "provider": None, "fallback": None, "error": None, "result": None,
        }  # fmt: skip

    def staged(self, job: Job, keep: Callable[[], bool]) -> Write:
        """The write of a new job's record for `Store.write_many`, storing it only if keep() when it is written
        (after the claim of the job's cache entry, in the same transaction); else no record is left."""
        return Write.update(JOB_PREFIX + job["job_id"], lambda _: job if keep() else None)

    def dropped(self, job_id: str) -> Write:
        """The write that forgets a job whose message never reached the queue (`discard` for `Store.write_many`)."""
        return Write.update(JOB_PREFIX + job_id, lambda _: None)

    def get(self, job_id: str) -> Job | None:
        return self.store.get(JOB_PREFIX + job_id)

    def is_live(self, job_id: str) -> bool:
        """Whether the job is queued or running."""
        job = self.get(job_id)
        return job is not None and job["state"] in ACTIVE

    def claim(self, job_id: str, worker: str, lease: float) -> Job | None:
        """Start the job under a lease if it is queued (or its lease ran out); None if it is not ours to run."""
        now = self.clock()

        def start(job: Job) -> Job | None:
            expired = job.get("state") == "running" and _number(job.get("lease_until")) < now
            if job.get("state") != "queued" and not expired:
                return None
            attempts = job.get("attempts")  # a forged record's junk is the runner's to refuse, not a crash here
            attempts = attempts + 1 if isinstance(attempts, int) and not isinstance(attempts, bool) else attempts
            return {**job, "job_id": job_id, "state": "running", "started_at": now, "attempts": attempts,
                    "worker": worker, "lease_until": now + lease, "not_before": None}  # fmt: skip

        return self._change(job_id, start)

    def renew(self, job_id: str, worker: str, lease: float) -> bool:
        """Extend this worker's lease on a running job; False if the job is no longer ours."""

        def extend(job: Job) -> Job | None:
            if job["state"] != "running" or job["worker"] != worker:
                return None
            return {**job, "lease_until": self.clock() + lease}

        return self._change(job_id, extend) is not None

    def requeue(
        self, job_id: str, worker: str | None = None, not_before: float | None = None, *, expired: bool = False
    ) -> bool:
        """Put a running job back on the queue: this worker's (when given), or one whose lease ran out."""

        def back(job: Job) -> Job | None:
            if job["state"] != "running" or (worker is not None and job["worker"] != worker):
                return None
            if expired and (job["lease_until"] or 0) >= self.clock():
                return None
            return {**job, "state": "queued", "worker": None, "lease_until": None, "not_before": not_before}

        return self._change(job_id, back) is not None

    def finish(self, job_id: str, result: dict[str, Any]) -> Job | None:
        """Mark the job done with its report (written to the cache before this)."""

        def done(job: Job) -> Job | None:
            if job["state"] == "done":
                return None
            return {**self._ended(job, "done"), "provider": result.get("provider"),
                    "fallback": result.get("fallback"), "result": result, "error": None}  # fmt: skip

        return self._change(job_id, done)

    def fail(self, job_id: str, error: str) -> Job | None:
        """Mark the job failed with a one-line reason."""

        def failed(job: Job) -> Job | None:
            if job.get("state") in ("done", "failed"):
                return None
            return {**self._ended(job, "failed"), "job_id": job_id, "error": error}

        return self._change(job_id, failed)

    def jobs(self) -> list[Job]:
        """Every job, newest first; a record that is not shaped like a job (store data is untrusted) is left out."""
        found = [job for key, job in self.store.scan(JOB_PREFIX) if _well_shaped(key[len(JOB_PREFIX) :], job)]
        return sorted(found, key=lambda j: _number(j["created_at"]), reverse=True)

    def counts(self, jobs: list[Job] | None = None) -> dict[str, int]:
        """How many jobs are in each state."""
        counts = dict.fromkeys(STATES, 0)
        for job in self.jobs() if jobs is None else jobs:
            counts[job["state"]] = counts.get(job["state"], 0) + 1
        return counts

    def _ended(self, job: Job, state: str) -> Job:
        return {**job, "state": state, "finished_at": self.clock(), "worker": None, "lease_until": None}

    def _change(self, job_id: str, fn: Callable[[Job], Job | None]) -> Job | None:
        """Apply fn to the job atomically (fn returns None to leave it); return the new job or None.

        A first read skips the write when nothing changes; finished jobs expire after KEEP_FINISHED_SECONDS.
        """
        current = self.get(job_id)
        first = None if current is None else fn(current)
        if first is None:
            return None
        changed: list[Job] = []

        def apply(job: Job | None) -> Job | None:
            changed.clear()
            new = None if job is None else fn(job)
            if new is None:
                return job
            changed.append(new)
            return new

        ttl = KEEP_FINISHED_SECONDS if first["state"] in ("done", "failed") else None
        self.store.update(JOB_PREFIX + job_id, apply, ttl)
        return changed[0] if changed else None


def _number(value: object) -> float:
    """A stored time as a float; 0 for None or anything that is not a number."""
    return float(value) if _is_number(value) else 0.0  # type: ignore[arg-type]


def _well_shaped(job_id: str, job: Job) -> bool:
    """Whether the record has the id of its key, a known state, a commit, and numbers where the keeper reads them."""
    times = [job.get(k) for k in ("lease_until", "not_before")]
    return (
        job.get("job_id") == job_id
        and job.get("state") in STATES
        and isinstance(job.get("commit"), str)
        and _is_number(job.get("created_at"))
        and isinstance(job.get("priority"), int)
        and all(t is None or _is_number(t) for t in times)
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class JobInfo(NamedTuple):
    """One job as `stepper status JOB_ID --json` shows it (times as ISO 8601 UTC)."""

    record: Job

    @classmethod
    def from_report(cls, result: dict[str, Any], key: str, repo_path: str) -> JobInfo:
        """A cached report that no job produced, shown as a done job without an id."""
        return cls({
            "job_id": None, "state": "done", "key": key, "commit": result["commit"], "repo": result["repo"],
            "repo_path": repo_path, "priority": None, "created_at": None, "started_at": None, "finished_at": None,
            "attempts": 0, "provider": result["provider"], "fallback": result["fallback"], "error": None,
            "result": result,
        })  # fmt: skip

    @property
    def job_id(self) -> str | None:
        return self.record["job_id"]  # type: ignore[no-any-return]

    @property
    def state(self) -> str:
        return str(self.record["state"])

    def to_json(self, with_result: bool = True) -> dict[str, Any]:
        r = self.record
        data = {k: r.get(k) for k in ("job_id", "state", "commit", "repo", "repo_path", "priority")}
        data.update({k: _iso(r.get(k)) for k in ("created_at", "started_at", "finished_at")})
        data.update({k: r.get(k) for k in ("provider", "fallback", "attempts", "error")})
        data["cache_key"] = r.get("key")
        if with_result:
            data["result"] = r.get("result")
        return data


class JobList(NamedTuple):
    """Queue counts and the most recent jobs (`stepper status` without a job id)."""

    counts: dict[str, int]
    jobs: list[JobInfo]

    def to_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "jobs": [j.to_json(with_result=False) for j in self.jobs]}


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

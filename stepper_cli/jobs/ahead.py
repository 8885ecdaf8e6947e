"""What a worker's jobs read from git, read ahead for the queued jobs of a repository in one pair of streams.

Each job needs its commit's `git patch-id --stable` (the cache lookup of a report of the same patch, a rebase or
a cherry-pick, and the cache write that indexes a new report; the enqueue reads no diff, so the worker computes
it) and, unless that lookup answers, the commit itself. One commit at a time that is three git processes a job.
Instead the keeper, which reads the ledger anyway, hands over the queued jobs (`foresee`), and the first job of
a repository that needs git starts one `PatchIdStream` and one `CommitStream` over that commit and the queued
commits of that repository after it (at most AHEAD of them), in the order the queue serves them; the jobs after
it read from those streams. A commit the streams lack (a job enqueued since the keeper looked) starts the next
pair; one with nothing queued behind it is read on its own.

Only a job that passed its checks (`checks.JobGate`) asks, so git runs only in a registered repository; the
other commits fed to its streams are full hex object ids of jobs naming the same repository, written on git's
standard input, never on its command line.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..cache.reports import patch_id
from ..git.batch import CommitStream, PatchIdStream
from .checks import is_object_id
from .ledger import Job

if TYPE_CHECKING:
    from ..git.commits import Commit, Repo

AHEAD = 256  # commits a pair of streams reads at most: bounds git's work and the commits kept for other threads


class SharedCommits(CommitStream):
    """A CommitStream that threads share: a commit read past on the way to a later one is kept for its job."""

    def __init__(self, repo: Repo, shas: list[str]) -> None:
        super().__init__(repo, shas)
        self.lock = threading.Lock()
        self._kept: dict[str, Commit] = {}

    def get(self, sha: str) -> Commit:
        with self.lock:
            if (kept := self._kept.pop(sha, None)) is not None:
                return kept
            at = self._index.get(sha)
            for earlier in self.shas[self._next : self._next if at is None else at]:
                self._kept[earlier] = super().get(earlier)
            return super().get(sha)


class _Streams:
    """The two streams over the same commits, and the lock the patch-id readers take turns under."""

    def __init__(self, repo: Repo, shas: list[str]) -> None:
        self.shas = frozenset(shas)
        self.ids, self.commits = PatchIdStream(repo, shas), SharedCommits(repo, shas)
        self.lock, self.closed = threading.Lock(), False

    def close(self) -> None:
        with self.lock, self.commits.lock:  # after any reader of them
            self.closed = True
            self.ids.close()
            self.commits.close()


class Ahead:
    """The streams of each repository path this worker runs jobs in, and the queued commits they will need."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: dict[str, list[str]] = {}  # repository path -> commits of queued jobs, in queue order
        self._streams: dict[str, _Streams] = {}

    def foresee(self, jobs: Iterable[Job]) -> None:
        """Note the queued jobs (the keeper's read of the ledger)."""
        queued: dict[str, list[str]] = {}
        waiting = [j for j in jobs if j["state"] == "queued"]
        for job in sorted(waiting, key=lambda j: (-j["priority"], j["created_at"])):  # the queue's order
            if is_object_id(job["commit"]) and isinstance(job.get("repo_path"), str):
                queued.setdefault(job["repo_path"], []).append(job["commit"])
        with self._lock:
            self._queued = queued

    def patch_id(self, repo: Repo, path: str, sha: str) -> str | None:
        """The patch id of `sha` in the repository at `path` (None: a merge, an empty diff, a failure)."""
        streams = self._streams_for(repo, path, sha)
        if streams is None:
            return patch_id(repo, sha)
        with streams.lock:
            return patch_id(repo, sha) if streams.closed else streams.ids.get(sha)

    def commits(self, repo: Repo, path: str, sha: str) -> CommitStream | None:
        """The stream to read `sha` from (call after `patch_id`, which starts it); None: read it on its own."""
        with self._lock:
            streams = self._streams.get(path)
        return streams.commits if streams is not None and sha in streams.shas and not streams.closed else None

    def close(self) -> None:
        """Stop every stream's git processes (the worker is done)."""
        with self._lock:
            streams, self._streams = list(self._streams.values()), {}
        for each in streams:
            each.close()

    def _streams_for(self, repo: Repo, path: str, sha: str) -> _Streams | None:
        retired = None
        with self._lock:
            current = self._streams.get(path)
            if current is None or sha not in current.shas:
                seen = current.shas if current is not None else frozenset()
                ahead = [s for s in self._queued.get(path, ()) if s != sha and s not in seen][: AHEAD - 1]
                if not ahead:  # nothing queued behind it: one commit on its own
                    return None
                retired, current = current, _Streams(repo, [sha, *ahead])
                self._streams[path] = current
        if retired is not None:
            retired.close()
        return current

"""The report cache over the store: one JSON entry per report key, fresh → stale → expired.

    report:<key>  {"state": "pending|ready|failed", "commit", "result"?, "written_at"?, "fallback"?,
                   "job_id"? (pending), "error"? (failed), "updated_at"}
    alias:<hash>  {"key", "commit"}   the report of a commit with the same `git patch-id --stable`

The key is repo identity + commit + prompt template hash + schema version. A result stays in the entry
while a refresh is pending or after it failed, so a stale report is always available. Fallback reports go
stale sooner. Reads never delete. This module is on the git-hook path: standard library only.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from ..report.contract import SCHEMA_VERSION
from ..store.base import Write

if TYPE_CHECKING:
    from ..git.batch import PatchIdStream
    from ..git.commits import Repo
    from ..store import Store

REPORT_PREFIX = "report:"
ALIAS_PREFIX = "alias:"

Entry = dict[str, Any]


class CachePolicy(NamedTuple):
    """How long results stay: fresh for `stale_seconds` (fallbacks: `fallback_stale_seconds`), kept `ttl_seconds`."""

    ttl_seconds: float = 604800
    stale_seconds: float = 86400
    fallback_stale_seconds: float = 3600

    def age_state(self, entry: Entry, now: float) -> str | None:
        """Return "fresh" or "stale" for the entry's result, or None when it has no live result."""
        if not isinstance(entry.get("result"), dict):  # none yet, or not one stepper wrote
            return None
        age = now - float(entry.get("written_at", 0))
        if age >= self.ttl_seconds:
            return None
        limit = self.fallback_stale_seconds if entry.get("fallback") else self.stale_seconds
        return "fresh" if age < limit else "stale"


class Hit(NamedTuple):
    """A cached result: the report JSON, whether it is still fresh, and whether it came by patch-id."""

    result: dict[str, Any]
    fresh: bool
    alias: bool = False


def cache_key(identity: str, sha: str, templates: str) -> str:
    """The report key of a commit in a repository for the prompt templates in use."""
    raw = "\0".join((identity, sha, templates, str(SCHEMA_VERSION)))
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def patch_id(repo: Repo, sha: str) -> str | None:
    """`git patch-id --stable` of a commit's diff against its first parent, or None (empty, merge, error)."""
    argv = ["git", "-c", "core.quotePath=false", "--no-pager"]
    diff = subprocess.run(
        [*argv, "diff-tree", "-p", "--root", "--no-color", "--no-ext-diff", "--end-of-options", sha],
        cwd=repo.root, capture_output=True, check=False,
    )  # fmt: skip
    if diff.returncode != 0 or not diff.stdout.strip():
        return None
    out = subprocess.run(
        [*argv, "patch-id", "--stable"], input=diff.stdout, cwd=repo.root, capture_output=True, check=False
    )
    words = out.stdout.split()
    return words[0].decode() if out.returncode == 0 and words else None


class ReportCache:
    """The cached reports of one repository under one set of prompt templates."""

    def __init__(
        self, store: Store, repo: Repo, templates: str, policy: CachePolicy, clock: Callable[[], float] = time.time,
        patch_ids: dict[str, str | None] | None = None,
    ) -> None:  # fmt: skip
        self.store, self.repo, self.templates, self.policy, self.clock = store, repo, templates, policy, clock
        self.patch_ids = {} if patch_ids is None else patch_ids  # sha → patch-id, computed at most once
        self._stream: PatchIdStream | None = None

    @property
    def enabled(self) -> bool:
        return self.policy.ttl_seconds > 0

    def key(self, sha: str) -> str:
        return cache_key(self.repo.identity, sha, self.templates)

    def entry(self, sha: str) -> Entry | None:
        """The raw entry of a commit (any state), or None."""
        return self.store.get(REPORT_PREFIX + self.key(sha))

    def entries(self, shas: list[str]) -> dict[str, Entry]:
        """The raw entries of many commits (any state) that have one, read at once."""
        keys = {REPORT_PREFIX + self.key(sha): sha for sha in shas}
        return {keys[key]: entry for key, entry in self.store.get_many(list(keys)).items()}

    def missing(self, shas: list[str]) -> list[str]:
        """The commits without a fresh result of their own: a batch lookup (store reads only, no git)."""
        now, found = self.clock(), self.entries(shas)
        return [sha for sha in shas if self.policy.age_state(found.get(sha, {}), now) != "fresh"]

    def stream_patch_ids(self, shas: list[str]) -> PatchIdStream | None:
        """Start computing the patch ids of many commits in one git stream, read as lookups need them; the
        caller closes the stream it gets (None: nothing to compute)."""
        from ..git.batch import PatchIdStream

        todo = [sha for sha in shas if sha not in self.patch_ids]
        self._stream = PatchIdStream(self.repo, todo) if len(todo) > 1 else None
        return self._stream

    def own(self, sha: str, entry: Entry | None = None) -> Hit | None:
        """The commit's own result, fresh or stale (from entry when the caller read it already): no git, no diff."""
        entry = (self.entry(sha) if entry is None else entry) or {}
        state = self.policy.age_state(entry, self.clock())
        return None if state is None else Hit(entry["result"], fresh=state == "fresh")

    def lookup(self, sha: str) -> Hit | None:
        """The commit's result, fresh or stale; else a fresh one of the same patch (copied under this key)."""
        if (hit := self.own(sha)) is not None:
            return hit
        source = self._alias_source(sha)
        if source is None:
            return None
        result = {**source["result"], "commit": sha}
        self._store_result(sha, result, bool(source.get("fallback")), float(source["written_at"]))
        return Hit(result, fresh=True, alias=True)

    def write(self, sha: str, result: dict[str, Any], fallback: bool) -> None:
        """Store a new result as ready (a pending refresh is then moot) and index it by patch-id."""
        if not self.enabled:
            return
        self._store_result(sha, result, fallback, self.clock())
        pid = self._patch_id(sha)
        if pid is not None:
            self.store.put(ALIAS_PREFIX + self._alias_key(pid), {"key": self.key(sha), "commit": sha}, self._ttl())

    def claim(self, sha: str, job_id: str, is_live: Callable[[str], bool]) -> tuple[Write, Callable[[], str]]:
        """The write that marks the entry pending with job_id unless a live job holds it, and, once it is
        written, the job that holds the entry (job_id when the claim won): for `Store.write_many`."""
        holder: list[str] = [job_id]

        def attach(entry: Entry | None) -> Entry:
            current = dict(entry or {"commit": sha})
            held = current.get("job_id")
            if isinstance(held, str) and held != job_id and is_live(held):
                holder[:] = [held]
                return current
            holder[:] = [job_id]
            return {**current, "state": "pending", "job_id": job_id, "updated_at": self.clock()}

        return Write.update(REPORT_PREFIX + self.key(sha), attach, self._ttl()), lambda: holder[0]

    def release(self, sha: str, job_id: str) -> Write:
        """The write that lets go of a job that never reached the queue (for `Store.write_many`)."""
        return Write.update(REPORT_PREFIX + self.key(sha), releaser(job_id, None, self.clock), self._ttl())

    def _store_result(self, sha: str, result: dict[str, Any], fallback: bool, written_at: float) -> None:
        result = {**result, "cached": False}
        entry = {"state": "ready", "commit": sha, "result": result, "written_at": written_at,
                 "fallback": fallback, "updated_at": self.clock()}  # fmt: skip
        self.store.put(REPORT_PREFIX + self.key(sha), entry, self._ttl())

    def _patch_id(self, sha: str) -> str | None:
        if sha not in self.patch_ids:
            stream = self._stream
            self.patch_ids[sha] = stream.get(sha) if stream is not None and sha in stream else patch_id(self.repo, sha)
        return self.patch_ids[sha]

    def _alias_source(self, sha: str) -> Entry | None:
        pid = self._patch_id(sha)
        alias = self.store.get(ALIAS_PREFIX + self._alias_key(pid)) if pid else None
        if alias is None or alias.get("commit") == sha:
            return None
        source = self.store.get(REPORT_PREFIX + str(alias.get("key")))
        if source is None or self.policy.age_state(source, self.clock()) != "fresh":
            return None
        return source

    def _alias_key(self, pid: str) -> str:
        return cache_key(self.repo.identity, "patch:" + pid, self.templates)

    def _ttl(self) -> float:
        return max(self.policy.ttl_seconds, 1.0)


def detach(
    store: Store, key: str, job_id: str, *, error: str | None = None, ttl: float = CachePolicy().ttl_seconds,
    clock: Callable[[], float] = time.time,
) -> None:  # fmt: skip
    """Drop job_id from the entry at key if it still names it: back to ready, or failed with error."""
    store.update(REPORT_PREFIX + key, releaser(job_id, error, clock), ttl)


def releaser(job_id: str, error: str | None, clock: Callable[[], float]) -> Callable[[Entry | None], Entry | None]:
    """The update that drops job_id from an entry that still names it: back to ready, or failed with error."""

    def release(entry: Entry | None) -> Entry | None:
        if entry is None or entry.get("job_id") != job_id:
            return entry
        rest = {k: v for k, v in entry.items() if k not in ("job_id", "error")}
        if error is not None:
            return {**rest, "state": "failed", "error": error, "updated_at": clock()}
        return {**rest, "state": "ready"} if "result" in rest else None

    return release

"""The context of one command or job: a repository, its configuration, and the resources they share.

The context owns what it opens, the store and the one HTTP client, and closes them when it is closed
(it is a context manager). A store handed in with `use_store` belongs to the caller and stays open.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config.model import LoadedConfig, Settings
from ..git.commits import Repo, open_repo

if TYPE_CHECKING:
    from types import TracebackType

    import httpx

    from ..git.contents import BlobReader
    from ..providers.registry import Adapters
    from ..store import Store


@dataclass
class Context:
    """A repository and the configuration that applies to it, loaded once per command."""

    repo: Repo
    config: LoadedConfig
    # Patch ids the enqueue already computed (commit -> patch id): they spare the cache two git processes.
    patch_ids: dict[str, str | None] = field(default_factory=dict)
    _store: Store | None = field(default=None, repr=False)
    _owns_store: bool = field(default=False, repr=False)
    _client: httpx.Client | None = field(default=None, repr=False)
    _adapters: Adapters | None = field(default=None, repr=False)
    _blobs: BlobReader | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def settings(self) -> Settings:
        return self.config.settings

    @property
    def store(self) -> Store:
        """The shared store (cache, ledger, breaker and limit state), opened on first use."""
        with self._lock:
            if self._store is None:
                from ..store import open_store

                self._store, self._owns_store = open_store(self.settings.queue.url), True
            return self._store

    def use_store(self, store: Store) -> None:
        """Share a store the caller owns (a worker's); the context will not close it."""
        with self._lock:
            self._store, self._owns_store = store, False

    def http_client(self) -> httpx.Client:
        """One HTTP client for every report of this context (threads share it; TLS is set up once)."""
        with self._lock:
            if self._client is None:
                from ..providers.client import new_client

                self._client = new_client()
            return self._client

    @property
    def adapters(self) -> Adapters:
        """The provider adapters of this context, built once each on its one HTTP client."""
        with self._lock:
            if self._adapters is None:
                from ..providers.registry import Adapters

                self._adapters = Adapters(self.http_client)
            return self._adapters

    def blob_reader(self) -> BlobReader:
        """One `git cat-file --batch` for every commit this context reads file contents of."""
        with self._lock:
            if self._blobs is None:
                from ..git.contents import BlobReader

                self._blobs = BlobReader(self.repo.root)
            return self._blobs

    def close(self) -> None:
        """Close the HTTP client, the blob reader, and the store if this context opened it."""
        with self._lock:
            client, self._client, self._adapters = self._client, None, None
            blobs, self._blobs = self._blobs, None
            store, owned = self._store, self._owns_store
            self._store, self._owns_store = None, False
        if client is not None:
            client.close()
        if blobs is not None:
            blobs.close()
        if store is not None and owned:
            store.close()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def open_context(repo: str | Path = ".", overrides: dict[str, Any] | None = None) -> Context:
    """Find the repository and load its configuration."""
    from ..config.load import load_settings

    found = open_repo(repo)
    return Context(repo=found, config=load_settings(found.root, overrides))

"""Open the store that `queue.url` names: local files under STEPPER_HOME by default, or Redis.

Only the interface is imported here. A backend, and diskcache or redis with it, is imported when it is
opened, which keeps the git-hook path fast.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..config.paths import stepper_home
from ..config.urls import check_url, mask_url
from ..errors import ConfigError, StorageError
from .base import JSON, Store, Updater

__all__ = [
    "DEFAULT_TIMEOUT",
    "JSON",
    "Store",
    "Updater",
    "local_store_dir",
    "open_store",
    "remove_local_store",
]

DEFAULT_TIMEOUT = 10.0
URL_EXAMPLE = "redis://[:password@]host:port/db, rediss://…, or leave it empty for local files"
_LOCAL_DIRNAME = "store"


def open_store(url: str = "", home: Path | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> Store:
    """Open the store at url ("" for local files under home, default STEPPER_HOME)."""
    url = url.strip()
    if not url:
        from .files import FileStore

        return FileStore(local_store_dir(home), timeout=timeout)
    check_url(url, "queue.url", URL_EXAMPLE)
    if url.partition("://")[0].lower() in ("redis", "rediss"):
        from .redis import RedisStore

        return RedisStore(url, timeout=timeout)
    raise ConfigError(f"'{mask_url(url)}' is not a store URL; use {URL_EXAMPLE}", key="queue.url")


def local_store_dir(home: Path | None = None) -> Path:
    """Return the folder of the local files store."""
    return (home if home is not None else stepper_home()) / _LOCAL_DIRNAME


def remove_local_store(home: Path | None = None) -> bool:
    """Delete the local store without opening it (the way out of a corrupt file); return if it existed."""
    directory = local_store_dir(home)
    if not directory.exists():
        return False
    try:
        shutil.rmtree(directory)
    except OSError as exc:
        raise StorageError(f"Cannot remove the store at {directory}: {exc.strerror or exc}.") from exc
    return True

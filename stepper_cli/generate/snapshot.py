"""The few settings `stepper enqueue` (and a cache-hit `stepper report`) need, snapshotted so that those paths
skip pydantic-settings.

A snapshot (STEPPER_HOME/snapshots/<repo hash>.json) holds the queue URL, the cache policy, the prompt
template hash and the config warnings, computed by the full, validated loader. It is used only while its
fingerprint still matches: the stat of every config file that could apply (STEPPER_CONFIG or the user file,
the repository's .stepper.toml), of the trust records and of the template files, every STEPPER_* variable,
and stepper's version. Any difference means a full load, which writes a fresh snapshot. A queue URL with a
password is never written to a snapshot. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..cache.reports import CachePolicy
from ..config.paths import read_private, stepper_home, user_config_path, write_private
from ..config.urls import has_credentials
from ..errors import StorageError

if TYPE_CHECKING:
    from ..config.settings import LoadedConfig, Settings

REPO_FILE = ".stepper.toml"  # settings.REPO_FILE (kept equal by a test)
_FORMAT = 1


@dataclass(frozen=True)
class EnqueueSettings:
    """What the enqueue path needs from the configuration."""

    queue_url: str
    policy: CachePolicy
    templates: str
    warnings: tuple[str, ...] = ()


def enqueue_settings(repo_root: Path) -> EnqueueSettings:
    """The settings for enqueueing in this repository: from a valid snapshot, else from a full load."""
    saved = saved_settings(repo_root)
    if saved is not None:
        return saved
    from ..config.settings import load_settings

    return remember(repo_root, load_settings(repo_root))


def saved_settings(repo_root: Path) -> EnqueueSettings | None:
    """The settings from this repository's snapshot while it is still valid, else None (no full load)."""
    try:  # a link planted at the snapshot is refused (StorageError), never read through
        snap = json.loads(read_private(_snapshot_path(repo_root)) or b"null")
        valid = isinstance(snap, dict) and snap.get("fingerprint") == fingerprint(repo_root, snap["template_files"])
        return _from_json(snap) if valid else None
    except (ValueError, KeyError, TypeError):  # not one stepper wrote
        return None


def remember_quietly(repo_root: Path, loaded: LoadedConfig) -> EnqueueSettings:
    """`remember`, where a snapshot that cannot be written is only a missed speed-up (the store says so)."""
    try:
        return remember(repo_root, loaded)
    except StorageError:
        return from_settings(loaded.settings, tuple(loaded.warnings))


def remember(repo_root: Path, loaded: LoadedConfig) -> EnqueueSettings:
    """Derive the enqueue settings from a full load and snapshot them (unless the queue URL has a password)."""
    values = from_settings(loaded.settings, tuple(loaded.warnings))
    if not has_credentials(values.queue_url):
        files = template_files(loaded.settings)
        snap = {"format": _FORMAT, "fingerprint": fingerprint(repo_root, files), "template_files": files,
                "queue_url": values.queue_url, "policy": values.policy.__dict__, "templates": values.templates,
                "warnings": list(values.warnings)}  # fmt: skip
        write_private(_snapshot_path(repo_root), json.dumps(snap).encode())
    return values


def from_settings(settings: Settings, warnings: tuple[str, ...] = ()) -> EnqueueSettings:
    """The enqueue settings of loaded Settings (the same values `report` uses for its cache key)."""
    from .prompt import template_hash

    c = settings.cache
    policy = CachePolicy(c.ttl_seconds, c.stale_seconds, c.fallback_stale_seconds)
    return EnqueueSettings(settings.queue.url, policy, template_hash(template_names(settings)), warnings)


def template_names(settings: Settings) -> tuple[str, ...]:
    """The prompt templates of the configured chain, in order (part of the report cache key)."""
    return tuple(p.prompt for p in settings.providers if p.enabled)


def template_files(settings: Settings) -> list[str]:
    """The files those templates are read from."""
    from .prompt import BUILTIN

    here = Path(__file__).parents[1] / "prompts"
    names = template_names(settings)
    return [str(here / f"{n}.txt" if n in BUILTIN else Path(n).expanduser().absolute()) for n in names]


def fingerprint(repo_root: Path, files: list[str]) -> str:
    """A hash of everything a snapshot depends on."""
    explicit = os.environ.get("STEPPER_CONFIG")
    paths = [Path(explicit).expanduser() if explicit else user_config_path(), repo_root / REPO_FILE]
    paths += [stepper_home() / "trust.json", *map(Path, files)]
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith("STEPPER_") and k != "STEPPER_HOME")
    parts: list[Any] = [_FORMAT, __version__, str(repo_root), env, [(str(p), _stat(p)) for p in paths]]
    return hashlib.sha256(json.dumps(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size, st.st_ino]


def _snapshot_path(repo_root: Path) -> Path:
    name = hashlib.sha256(str(repo_root).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return stepper_home() / "snapshots" / f"{name}.json"


def _from_json(snap: dict[str, Any]) -> EnqueueSettings:
    policy = CachePolicy(**snap["policy"])
    return EnqueueSettings(snap["queue_url"], policy, snap["templates"], tuple(snap["warnings"]))

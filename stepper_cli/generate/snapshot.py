"""The validated settings of a repository, snapshotted so that `stepper enqueue` and `stepper report` skip
pydantic and pydantic-settings while the configuration is unchanged.

A snapshot (STEPPER_HOME/snapshots/<repo hash>.json) holds the settings as plain data, the files they came
from and the config warnings, all computed by the full, validated loader, and what enqueue needs from them
(the queue URL, the cache policy, the prompt template hash); the file keeps the last few, one per
configuration in use (with STEPPER_CONFIG set and without, say). A snapshot is used only while its
fingerprint still matches: the stat of every config file that could apply (STEPPER_CONFIG or the user file,
the repository's .stepper.toml), of the trust records and of the template files, every STEPPER_* variable,
and stepper's version. Any difference means a full load, which writes a fresh snapshot. A queue URL with a
password is never written to a snapshot, and the whole configuration only when it holds nothing that `config
show` masks (a notify webhook, whose path is its credential; a token in a URL): else `report` loads the files
itself. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .. import __version__
from ..cache.reports import CachePolicy
from ..config.paths import read_private, stepper_home, user_config_path, write_private
from ..config.urls import has_credentials, mask_values
from ..errors import StorageError

if TYPE_CHECKING:  # the settings model is imported only when a whole configuration is asked for (not by enqueue)
    from ..config.model import LoadedConfig, Settings

REPO_FILE = ".stepper.toml"  # settings.REPO_FILE (kept equal by a test)
_FORMAT = 2
_KEPT = 4  # snapshots kept per repository (the latest configurations)


class EnqueueSettings(NamedTuple):
    """What the enqueue path needs from the configuration."""

    queue_url: str
    policy: CachePolicy
    templates: str
    warnings: tuple[str, ...] = ()
    saved: dict[str, Any] | None = None  # the snapshot they came from

    def config(self) -> LoadedConfig | None:
        """The whole configuration, when these came from a snapshot (what `report` runs on), else None."""
        if self.saved is None:
            return None
        from ..config.model import LoadedConfig, Settings, build

        try:
            files = [Path(path) for path in self.saved["files"]]
            settings = build(Settings, self.saved["settings"])
        except (KeyError, TypeError):  # not one stepper wrote: the caller loads the files
            return None
        return LoadedConfig(settings, files, {}, list(self.warnings))


def enqueue_settings(repo_root: Path) -> EnqueueSettings:
    """The settings for enqueueing in this repository: from a valid snapshot, else from a full load."""
    saved = saved_settings(repo_root)
    if saved is not None:
        return saved
    from ..config.load import load_settings

    return remember(repo_root, load_settings(repo_root))


def saved_settings(repo_root: Path) -> EnqueueSettings | None:
    """The settings from this repository's snapshot while it is still valid (the whole configuration in
    `config()`), else None (no full load)."""
    for snap in _entries(repo_root):
        try:
            if snap.get("fingerprint") == fingerprint(repo_root, snap["template_files"]):
                return _from_json(snap)
        except (KeyError, TypeError, AttributeError):  # not one stepper wrote
            continue
    return None


def _entries(repo_root: Path) -> list[dict[str, Any]]:
    """The snapshots of this repository, latest first: one per configuration in use (say with STEPPER_CONFIG set
    and not), a few at most."""
    try:  # a link planted at the snapshot is refused (StorageError), never read through
        data = json.loads(read_private(_snapshot_path(repo_root)) or b"null")
    except ValueError:
        return []
    if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("entries"), list):
        return []
    return [entry for entry in data["entries"] if isinstance(entry, dict)]


def remember_quietly(repo_root: Path, loaded: LoadedConfig) -> EnqueueSettings:
    """`remember`, where a snapshot that cannot be written is only a missed speed-up (the store says so)."""
    try:
        return remember(repo_root, loaded)
    except StorageError:
        return from_settings(loaded.settings, tuple(loaded.warnings))


def remember(repo_root: Path, loaded: LoadedConfig) -> EnqueueSettings:
    """Derive the enqueue settings from a full load and snapshot them (unless the queue URL has a password), with
    the whole configuration unless it holds a secret."""
    from ..config.model import to_data

    values = from_settings(loaded.settings, tuple(loaded.warnings))
    if not has_credentials(values.queue_url):
        files = template_files(loaded.settings)
        stamp = fingerprint(repo_root, files)
        snap = {"fingerprint": stamp, "template_files": files, "queue_url": values.queue_url,
                "policy": values.policy._asdict(), "templates": values.templates,
                "warnings": list(values.warnings)}  # fmt: skip
        data = to_data(loaded.settings)
        if mask_values("", data) == data:  # nothing `config show` would hide (a webhook, a token in a URL)
            snap.update(settings=data, files=[str(path) for path in loaded.files])
        kept = [e for e in _entries(repo_root) if e.get("fingerprint") != stamp][: _KEPT - 1]
        write_private(_snapshot_path(repo_root), json.dumps({"format": _FORMAT, "entries": [snap, *kept]}).encode())
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
    return EnqueueSettings(snap["queue_url"], policy, snap["templates"], tuple(snap["warnings"]), snap)

"""Where stepper keeps its state, and owner-only creation of files and folders under it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import StorageError

DIR_MODE = 0o700
FILE_MODE = 0o600


def stepper_home() -> Path:
    """Return STEPPER_HOME (created owner-only), defaulting to the user data dir."""
    env = os.environ.get("STEPPER_HOME")
    if env:
        home = Path(env).expanduser()
    else:
        data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        home = Path(data) / "stepper"
    return ensure_dir(home)


def ensure_dir(path: Path) -> Path:
    """Create a folder (and parents) with mode 0700; an existing one is tightened."""
    try:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        if path.stat().st_mode & 0o077:
            path.chmod(DIR_MODE)
    except OSError as exc:
        # a file in the way (EEXIST, ENOTDIR) is not a corrupt cache: cache clear would not help
        raise StorageError(
            f"Cannot use the folder {path}: {exc.strerror or exc}.",
            hint="It must be a folder stepper can write to: move what is in the way, or set STEPPER_HOME elsewhere.",
        ) from exc
    return path


def user_config_path() -> Path:
    """Return the user config file path (it may not exist)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "stepper" / "config.toml"


def write_private(path: Path, data: bytes) -> None:
    """Write a file atomically with mode 0600: readers see the old or the new content, never half."""
    ensure_dir(path.parent)
    write_atomic(path, data, FILE_MODE)


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write a file in an existing folder by temp file and rename, so no reader sees half of it."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise StorageError(
            f"Cannot write {path}: {exc.strerror or exc}.", hint="Check that the folder exists."
        ) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


def tighten_tree(root: Path) -> None:
    """Make every file under root 0600 and every folder 0700 (libraries create files with umask)."""
    for dirpath, _dirnames, filenames in os.walk(root):
        os.chmod(dirpath, DIR_MODE)
        for name in filenames:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                os.chmod(p, FILE_MODE)

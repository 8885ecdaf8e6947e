"""Where stepper keeps its state, and the one way to create, open, write and append files under it.

STEPPER_HOME (env) or the platform's user data dir (platformdirs: ~/.local/share/stepper on Linux) holds
every file stepper writes; STEPPER_CONFIG or the user config dir (~/.config/stepper/config.toml) names the
config file. Under STEPPER_HOME, files are owner-only (0600, folders 0700) and never reached through a
symbolic link: each file is opened with O_NOFOLLOW in folders that are real folders owned by this user
(STEPPER_HOME itself may be the user's own link to their own folder), and modes are tightened on the open
descriptor, so stepper never chmods a file it did not create through a link. A link or a foreign owner
is refused with a StorageError (exit 7) naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import IO

from ..errors import StorageError

DIR_MODE = 0o700
FILE_MODE = 0o600
APP_NAME = "stepper"
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_LINK_HINT = "stepper never follows links under STEPPER_HOME: remove the link (something else put it there)."


def stepper_home() -> Path:
    """Return STEPPER_HOME (created owner-only), defaulting to the user data dir."""
    env = os.environ.get("STEPPER_HOME")
    if env:
        home = Path(env).expanduser()
    else:
        from platformdirs import user_data_path

        home = user_data_path(APP_NAME, appauthor=False)
    return _ensure_home(home)


def user_config_path() -> Path:
    """Return the user config file path (it may not exist)."""
    from platformdirs import user_config_path as config_dir

    return config_dir(APP_NAME, appauthor=False) / "config.toml"


def _ensure_home(home: Path) -> Path:
    try:
        home.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        _claim_folder(home, follow=True)
    except OSError as exc:
        raise home_error(home, exc) from exc
    return home


def _claim_folder(path: Path, *, follow: bool) -> None:
    """Check that path is a folder of this user (not a link, unless follow) and make it 0700."""
    fd = os.open(path, os.O_RDONLY | _DIRECTORY | _CLOEXEC | (0 if follow else NOFOLLOW))
    try:
        _own_or_refuse(path, os.fstat(fd), "folder")
        _tighten_fd(fd, DIR_MODE)
    finally:
        os.close(fd)


def ensure_dir(path: Path) -> Path:
    """Create a folder (and its parents) 0700; under STEPPER_HOME each must be a real folder of this user."""
    home = stepper_home()
    try:
        inside = path.relative_to(home).parts
    except ValueError:
        return _ensure_home(path)  # a folder the caller chose elsewhere (a test's store, say)
    current = home
    for part in inside:
        current = current / part
        try:
            with contextlib.suppress(FileExistsError):
                os.mkdir(current, DIR_MODE)
            _claim_folder(current, follow=False)
        except OSError as exc:
            raise home_error(current, exc) from exc
    return path


def check_file(path: Path) -> None:
    """Refuse a state file that is a link or another user's (SQLite opens its files itself)."""
    _prepare_parent(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise home_error(path, exc) from exc
    if stat.S_ISLNK(st.st_mode):
        raise _link_refused(path)
    _own_or_refuse(path, st, "file")


def open_private(path: Path, flags: int = os.O_RDONLY) -> int:
    """Open a file under its checked folder without following a link; a new file is created 0600."""
    _prepare_parent(path)
    try:  # O_NONBLOCK: a planted FIFO must not hang the open; it is then refused as not a regular file
        fd = os.open(path, flags | NOFOLLOW | _CLOEXEC | os.O_NONBLOCK, FILE_MODE)
    except OSError as exc:
        raise home_error(path, exc) from exc
    try:
        _own_or_refuse(path, os.fstat(fd), "file")
        if flags & (os.O_WRONLY | os.O_RDWR):
            _tighten_fd(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_private(path: Path) -> bytes | None:
    """The bytes of a state file, or None when there is none; a link is refused, never read through."""
    try:
        fd = open_private(path)
    except StorageError as exc:
        if isinstance(exc.__cause__, FileNotFoundError):
            return None
        raise
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def open_log(path: Path) -> IO[str]:
    """Open a log for appending lines, owner-only, without following a link."""
    fd = open_private(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    return os.fdopen(fd, "a", encoding="utf-8")


def tighten(path: Path) -> None:
    """Make an existing file of this user owner-only without following a link (absent: nothing to do).

    Never by opening and closing it: closing any descriptor of a file drops every POSIX lock this process
    holds on it, SQLite's included. An O_PATH descriptor (Linux) does not, and no-follow chmod elsewhere.
    """
    try:
        st = os.lstat(path)
        _own_or_refuse(path, st, "file")
        if not stat.S_IMODE(st.st_mode) & 0o077:
            return
        if os.chmod in os.supports_follow_symlinks:
            os.chmod(path, FILE_MODE, follow_symlinks=False)
            return
        fd = os.open(path, getattr(os, "O_PATH", os.O_RDONLY) | NOFOLLOW | _CLOEXEC)
        try:
            _own_or_refuse(path, os.fstat(fd), "file")
            os.chmod(f"/proc/self/fd/{fd}", FILE_MODE)
        finally:
            os.close(fd)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise home_error(path, exc) from exc


def write_private(path: Path, data: bytes) -> None:
    """Write a state file atomically, 0600, in its checked folder (see `write_atomic`)."""
    _prepare_parent(path)
    write_atomic(path, data, FILE_MODE)


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write a file by temp file and rename in its folder: readers see the old or the new content, never half.

    A link at path is refused rather than replaced; only the new file stepper created gets `mode`.
    """
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISLNK(os.lstat(path).st_mode):
            raise _link_refused(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise home_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise home_error(path, exc) from exc


def home_error(path: Path, exc: OSError, what: str = "file") -> StorageError:
    """The StorageError for an OS error on a state file or folder (store/errors.py maps the databases')."""
    if exc.errno == errno.ELOOP:
        return StorageError(f"Refusing to use {path}: it is a symbolic link.", hint=_LINK_HINT)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(f"The disk holding {path} is full.", hint=free_space_hint(path))
    if exc.errno in (errno.EEXIST, errno.ENOTDIR, errno.EISDIR):  # a file in the way is not a corrupt cache
        return StorageError(
            f"Cannot use {path}: {exc.strerror or exc}.",
            hint="It must be a folder stepper can write to: move what is in the way, or set STEPPER_HOME elsewhere.",
        )
    return StorageError(
        f"Cannot use the {what} {path}: {exc.strerror or exc}.",
        hint="Check the owner and permissions of the file and its folder, and the free space.",
    )


def free_space_hint(where: Path) -> str:
    """What to do on a full disk: free space (never `cache clear`, which would lose queued jobs)."""
    folder = next((p for p in (where, *where.parents) if p.is_dir()), None)
    free = ""
    if folder is not None:
        with contextlib.suppress(OSError):
            free = f" ({shutil.disk_usage(folder).free // 1024} KiB free now)"
    place = f"the file system holding {folder}" if folder is not None else "that disk"
    return f"Free some space on {place}{free}, then retry; stepper deleted nothing."


def is_link_refusal(exc: BaseException) -> bool:
    """Whether exc is stepper refusing a symbolic link (exit 7 whatever the caller's own error code)."""
    cause = exc.__cause__
    return isinstance(exc, StorageError) and isinstance(cause, OSError) and cause.errno == errno.ELOOP


def _link_refused(path: Path) -> StorageError:
    link = OSError(errno.ELOOP, "it is a symbolic link")
    error = home_error(path, link)
    error.__cause__ = link
    return error


def _prepare_parent(path: Path) -> None:
    """Check (and create) the folders of a file under STEPPER_HOME; a path the user chose elsewhere is theirs."""
    home = stepper_home()
    with contextlib.suppress(ValueError):
        path.parent.relative_to(home)
        ensure_dir(path.parent)


def _own_or_refuse(path: Path, st: os.stat_result, kind: str) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise _link_refused(path)
    expected = stat.S_ISDIR if kind == "folder" else stat.S_ISREG
    if not expected(st.st_mode):
        raise StorageError(f"Refusing to use {path}: it is not a regular {kind}.", hint=_LINK_HINT)
    uid = getattr(os, "geteuid", lambda: st.st_uid)()
    if st.st_uid != uid:
        raise StorageError(
            f"Refusing to use {path}: it belongs to another user (uid {st.st_uid}).",
            hint="STEPPER_HOME and everything in it must be yours: set STEPPER_HOME to a folder you own.",
        )


def _tighten_fd(fd: int, mode: int) -> None:
    if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
        os.fchmod(fd, mode)

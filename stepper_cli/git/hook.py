"""Install, update, remove and inspect stepper's marked blocks in a repository's post-commit and post-rewrite
hooks.

Each block is POSIX shell that runs before the rest of its hook, costs a fork (a `git rev-parse` only where
the ref files do not tell), and hands commits to a detached `stepper enqueue` whose errors go to
STEPPER_HOME/hook.log (hook_script.py).
It never makes the commit fail. An existing hook is kept: the block goes right after its shebang line (so an
`exit` or `exec` at the end of that hook cannot skip it), and `uninstall` restores the file byte for byte.
Both hooks are installed, updated and removed together; `status` describes the post-commit one.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..config.model import HookSettings
from ..config.paths import stepper_home
from ..errors import ConfigError, StorageError, UsageError
from .commits import Repo, git, shown
from .hook_script import ADDED_NEWLINE, CREATED, LOG_NAME, SHEBANG, HookValues, markers, recorded

SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"}
Action = Literal["created", "added", "updated", "unchanged", "removed", "deleted", "absent"]


@dataclass(frozen=True)
class HookStatus:
    """Where the hook is, whether stepper's block is in it, what it records, and what looks wrong."""

    path: Path
    installed: bool
    chained: bool
    values: dict[str, str]
    problems: list[str]
    notes: list[str]
    log: Path
    recent_errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "installed": self.installed, "chained": self.chained,
            "values": self.values, "problems": self.problems, "notes": self.notes, "log": str(self.log),
            "recent_errors": self.recent_errors,
        }  # fmt: skip


def hook_path(repo: Repo, name: str = "post-commit") -> Path:
    """The hook file git runs for this repository (core.hooksPath, common dir for worktrees)."""
    out = git(["rev-parse", "--git-path", "hooks"], repo.root).decode("utf-8", "surrogateescape").strip()
    return (repo.root / out).absolute() / name


def install_values(settings: HookSettings, mode: str | None = None, skip_rebase: bool | None = None) -> HookValues:
    """Resolve, now, everything the hook will need: STEPPER_HOME, the stepper executable, the budget tool.

    A path with a control character (a newline in STEPPER_HOME) cannot be recorded as one shell line.
    """
    mode = mode or settings.mode
    timeout = shutil.which("timeout") or shutil.which("gtimeout") or ""
    if mode == "report" and not timeout:
        raise UsageError("Hook mode 'report' needs the 'timeout' command (GNU coreutils), which is missing.",
                         hint="Install coreutils, or use --mode enqueue.")  # fmt: skip
    python = sys.executable  # not resolved: a venv's python symlink is what finds the venv's packages
    beside = Path(python).parent / "stepper"
    exe = str(beside) if beside.is_file() else shutil.which("stepper") or ""
    home = str(stepper_home())
    if not home.isprintable():
        raise ConfigError(_unrecordable(home), key="STEPPER_HOME", hint="Set STEPPER_HOME to a path without them.")
    return HookValues(
        home=home, exe=os.path.abspath(exe) if exe else "", python=python, mode=mode,
        skip_rebase=settings.skip_during_rebase if skip_rebase is None else skip_rebase,
        budget=settings.report_budget_seconds, timeout=timeout,
    )  # fmt: skip


def install(repo: Repo, values: HookValues, *, force: bool = False) -> tuple[Path, Action]:
    """Add (or refresh) stepper's blocks in the post-commit and post-rewrite hooks, creating them if need be.

    The answer is the post-commit hook's, except that a post-rewrite change makes an unchanged one "updated".
    Without force, only a regular file (or none) inside the repository's git directory is written.
    """
    path, action = _install(repo, "post-commit", values, force)
    _, rewrite = _install(repo, "post-rewrite", values, force)
    return path, "updated" if action == "unchanged" and rewrite != "unchanged" else action


def _install(repo: Repo, name: str, values: HookValues, force: bool) -> tuple[Path, Action]:
    where = hook_path(repo, name)
    if not force:
        _check_place(repo, where)
    path = _target(where)
    begin, end = markers(name)
    if not path.exists():
        _write(path, SHEBANG + begin + CREATED + values.render(name) + end, 0o755)
        return path, "created"
    old = _read(path)
    if not os.access(path, os.X_OK):
        raise UsageError(f"{path} exists but is not executable, so git does not run it.",
                         hint="Make it executable (chmod +x) or remove it, then install again.")  # fmt: skip
    span = _find_block(path, old, name)
    if span is not None:
        start, stop = span
        flags = b"".join(f for f in (CREATED, ADDED_NEWLINE) if f in old[start:stop])
        new = old[:start] + begin + flags + values.render(name) + end + old[stop:]
        if new == old:
            return path, "unchanged"
        _write(path, new, path.stat().st_mode)
        return path, "updated"
    _check_shell(path, old)
    _write(path, _insert(old, begin + values.render(name) + end, begin), path.stat().st_mode)
    return path, "added"


def uninstall(repo: Repo) -> tuple[Path, Action]:
    """Remove only stepper's blocks, restoring each hook as it was (deleting it if stepper created it).

    The answer is the post-commit hook's (a post-rewrite block removed on its own makes "absent" "removed").
    """
    _, rewrite = _uninstall(repo, "post-rewrite")
    path, action = _uninstall(repo, "post-commit")
    return path, "removed" if action == "absent" and rewrite != "absent" else action


def _uninstall(repo: Repo, name: str) -> tuple[Path, Action]:
    path = _target(hook_path(repo, name))
    if not path.exists():
        return path, "absent"
    old = _read(path)
    span = _find_block(path, old, name)
    if span is None:
        return path, "absent"
    start, end = span
    block = old[start:end]
    new = old[:start] + old[end:]
    if ADDED_NEWLINE in block and new.endswith(b"\n") and start == len(new):
        new = new[:-1]
    if CREATED in block and new == SHEBANG:
        try:
            path.unlink()
        except OSError as exc:
            raise StorageError(f"Cannot remove {path}: {exc.strerror or exc}.") from exc
        return path, "deleted"
    _write(path, new, path.stat().st_mode)
    return path, "removed"


def status(repo: Repo, settings: HookSettings | None, tail: int = 5) -> HookStatus:
    """Report the hook's state, the values its block records, mismatches with config, and recent errors.

    settings None (a configuration that does not load): the recorded values are not compared with it.
    """
    path = _target(hook_path(repo))
    content = _read(path) if path.exists() else b""
    span = _find_block(path, content, "post-commit") if content else None
    values = recorded(content[span[0] : span[1]]) if span else {}
    home = values.get("home") or str(stepper_home())
    log = Path(os.environ.get("STEPPER_HOME") or home) / LOG_NAME
    problems = _problems(path, values) if span else []
    if not home.isprintable():
        problems.append(_unrecordable(home))
    notes = _notes(repo, path, values, settings) if span else []
    rest = content[: span[0]] + content[span[1] :] if span else content
    chained = bool(rest.strip()) and rest != SHEBANG
    return HookStatus(path, span is not None, chained, values, problems, notes, log, _tail(log, tail))


def _unrecordable(home: str) -> str:
    return f"STEPPER_HOME '{shown(home)}' holds a line break or control character, which the hook cannot record"


def _problems(path: Path, values: dict[str, str]) -> list[str]:
    found = []
    if not os.access(path, os.X_OK):
        found.append(f"{path} is not executable, so git does not run it")
    if not os.access(values.get("exe", ""), os.X_OK) and not os.access(values.get("python", ""), os.X_OK):
        found.append(f"the recorded stepper ({values.get('exe') or 'none'}) is missing; "
                     "run 'stepper hook install' again")  # fmt: skip
    return found


def _notes(repo: Repo, path: Path, values: dict[str, str], settings: HookSettings | None) -> list[str]:
    found = []
    if settings is not None and values.get("mode") != settings.mode:
        found.append(f"installed in mode '{values.get('mode')}' while hook.mode is '{settings.mode}'")
    if settings is not None and values.get("skip_rebase") != ("1" if settings.skip_during_rebase else "0"):
        found.append("hook.skip_during_rebase differs from the installed hook; run 'stepper hook install'")
    if repo.root in path.parents and repo.git_dir not in path.parents:
        found.append("the hooks folder is inside the work tree (core.hooksPath): the change shows in git status")
    return found


def _tail(log: Path, count: int) -> list[str]:
    from ..config.paths import read_private

    data = read_private(log)  # a link planted there is refused (exit 7), never read through
    return data.decode("utf-8", "replace").splitlines()[-count:] if data else []


def _check_place(repo: Repo, path: Path) -> None:
    """Refuse a hook that is a symlink, or a hooks folder whose real place is outside the git directory.

    A clone can commit `.githooks/post-commit -> ~/.profile` (core.hooksPath inside the work tree), and a
    global core.hooksPath is shared by every repository. Both are usage errors (exit 2), not configuration
    errors: stepper's own config is fine, the command needs --force to write there, as `git` asks for -f.
    """
    if path.is_symlink():
        raise UsageError(
            f"The hook {path} is a symbolic link to {os.path.realpath(path)}; stepper does not write through links.",
            hint="Remove the link, or pass --force to add stepper's block where it points.",
        )
    folder, home = Path(os.path.realpath(path.parent)), Path(os.path.realpath(repo.common_dir))
    if folder != home and home not in folder.parents:
        raise UsageError(
            f"The hooks folder {path.parent} (core.hooksPath) is outside this repository's git directory "
            f"{repo.common_dir}, so the hook would change files the work tree or other repositories share.",
            hint="Check where core.hooksPath points; pass --force to install there anyway.",
        )


def _target(path: Path) -> Path:
    """Edit a symlinked hook where it points, keeping the link."""
    return path.resolve() if path.is_symlink() else path


def _find_block(path: Path, content: bytes, name: str) -> tuple[int, int] | None:
    begin, end_marker = markers(name)
    start = content.find(begin)
    if start < 0:
        return None
    end = content.find(end_marker, start)
    if (start > 0 and content[start - 1 : start] != b"\n") or end < 0:
        raise UsageError(f"stepper's block in {path} is damaged (a marker line is missing or edited).",
                         hint="Restore or delete the lines between the '>>> stepper' markers, then retry.")  # fmt: skip
    return start, end + len(end_marker)


def _insert(old: bytes, block: bytes, begin: bytes) -> bytes:
    if not old.startswith(b"#!"):
        return block + old
    newline = old.find(b"\n")
    if newline < 0:
        return old + b"\n" + begin + ADDED_NEWLINE + block[len(begin) :]
    return old[: newline + 1] + block + old[newline + 1 :]


def _check_shell(path: Path, content: bytes) -> None:
    if not content.startswith(b"#!"):
        return
    words = content[2:].split(b"\n", 1)[0].decode("utf-8", "replace").split()
    names = [Path(w).name for w in words if not w.startswith("-")]
    interpreter = names[1] if names[:1] == ["env"] and len(names) > 1 else (names[0] if names else "sh")
    if interpreter not in SHELLS:
        raise UsageError(
            f"The existing hook {path} is a {interpreter} script; stepper can only add itself to shell hooks.",
            hint="Call 'stepper enqueue --quiet HEAD' from that hook yourself, or see .pre-commit-hooks.yaml.",
        )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StorageError(f"Cannot read {path}: {exc.strerror or exc}.", hint="") from exc


def _write(path: Path, data: bytes, mode: int) -> None:
    """Replace the file atomically, keeping its permission bits."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise StorageError(f"Cannot write {path}: {exc.strerror or exc}.", hint="") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(f"Cannot write {path}: {exc.strerror or exc}.", hint="") from exc

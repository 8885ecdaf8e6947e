"""Read commits and repository identity with the real `git` (subprocess, streamed, bytes-safe)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from ..errors import GitError
from .patch import FileChange as FileChange
from .patch import PatchReader
from .patch import Status as Status
from .revisions import OBJECT_ID as OBJECT_ID
from .revisions import check_revision
from .revisions import shown as shown

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


class Commit(NamedTuple):
    """A commit's metadata and its changes against the first parent (or the empty tree)."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: str
    committer_name: str
    committer_email: str
    committer_date: str
    subject: str
    body: str
    files: tuple[FileChange, ...] = ()

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def is_root(self) -> bool:
        return not self.parents

    @property
    def short_sha(self) -> str:
        return self.sha[:12]


class Repo(NamedTuple):
    """Where a repository is and what identifies it across clones and worktrees."""

    root: Path
    git_dir: Path
    common_dir: Path
    name: str
    origin_url: str | None

    @property
    def identity(self) -> str:
        """Stable id: the origin URL (without credentials) or the shared git dir's path."""
        return self.origin_url or str(self.common_dir)


def git(args: Sequence[str], cwd: Path | str, *, check: bool = True, env: dict[str, str] | None = None) -> bytes:
    """Run git and return stdout; a missing git or a failure becomes a GitError."""
    with starting_git(cwd):
        proc = subprocess.run(_argv(args), cwd=cwd, capture_output=True, env={**_env(), **(env or {})}, check=False)
    if check and proc.returncode != 0:
        raise git_failed(args, proc.returncode, proc.stderr)
    return proc.stdout


@contextlib.contextmanager
def starting_git(cwd: Path | str) -> Iterator[None]:
    """Around the start of a git process: a missing git or folder becomes a GitError that says which."""
    try:
        yield
    except FileNotFoundError as exc:
        if not os.path.isdir(cwd):  # subprocess reports a missing cwd as a missing program
            raise GitError(f"{shown(str(cwd))} is not a folder.") from exc
        raise GitError("git is not installed or not on PATH.", hint="Install git and try again.") from exc
    except NotADirectoryError as exc:
        raise GitError(f"{shown(str(cwd))} is not a folder.") from exc


def git_failed(args: Sequence[str], returncode: int, stderr: bytes) -> GitError:
    """The error of a git command that failed: its last line of stderr (or its exit status)."""
    msg = stderr.decode("utf-8", "replace").strip().splitlines()
    return GitError(f"git {_subcommand(args)} failed: {msg[-1] if msg else 'exit ' + str(returncode)}")


def _subcommand(args: Sequence[str]) -> str:
    """The git command in args, past any leading `-c key=value` options."""
    rest = list(args)
    while len(rest) > 2 and rest[0] == "-c":
        rest = rest[2:]
    return rest[0] if rest else "git"


def _argv(args: Sequence[str]) -> list[str]:
    return ["git", "-c", "core.quotePath=false", "--no-pager", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C", GIT_OPTIONAL_LOCKS="0")
    env.pop("GIT_EXTERNAL_DIFF", None)
    return env


def open_repo(path: Path | str = ".") -> Repo:
    """Find the repository containing path (a work tree, a subfolder or a linked worktree)."""
    where = Path(path).expanduser()
    if not where.is_dir():
        raise GitError(f"{where} is not a folder.", hint="Pass --repo with the path of a git repository.")
    try:
        out = git(["rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir"], where)
    except GitError as exc:
        if "git is not installed" in exc.message:
            raise
        if git(["rev-parse", "--is-bare-repository"], where, check=False).strip() == b"true":
            raise GitError(
                f"{where.resolve()} is a bare repository: stepper reads commits in a work tree.",
                hint="Run stepper in a clone with a work tree (git clone or git worktree add).",
            ) from exc
        raise GitError(
            f"{where.resolve()} is not inside a git repository.",
            hint="Run stepper in a repository or pass --repo PATH.",
        ) from exc
    top, git_dir, common = _toplevel_lines(out, where)
    common_dir = (Path(top) / common) if not os.path.isabs(common) else Path(common)
    origin = git(["config", "--get", "remote.origin.url"], where, check=False).decode().strip() or None
    return Repo(
        root=Path(top),
        git_dir=Path(git_dir),
        common_dir=common_dir.resolve(),
        name=Path(top).name,
        origin_url=_CREDENTIALS.sub("", origin) if origin else None,
    )


def _toplevel_lines(out: bytes, where: Path) -> list[str]:
    """rev-parse's three paths, one a line; a line break inside a path would shift them, so refuse it."""
    lines = out.decode("utf-8", "surrogateescape").split("\n")
    if len(lines) != 4 or lines[3]:
        raise GitError(
            f"The repository at {shown(str(where.absolute()))} has a line break in its path, which stepper cannot "
            "read back from git.",
            hint="Rename the folder without the line break.",
        )
    return lines[:3]


def repo_root(path: Path | str = ".") -> Path | None:
    """The root of the repository containing path, or None outside any (or where git cannot tell)."""
    try:
        return open_repo(path).root
    except GitError:
        return None


def resolve_revs(repo: Repo, spec: str = "HEAD") -> list[str]:
    """Turn `REV` or `A..B` into full SHAs, oldest first."""
    check_revision(spec)
    if ".." in spec:
        left, _, right = spec.partition("...") if "..." in spec else spec.partition("..")
        for side in (left, right):
            if side:
                resolve_one(repo, side)
        out = git(["rev-list", "--reverse", "--end-of-options", spec, "--"], repo.root)
        return out.decode().split()
    return [resolve_one(repo, spec)]


def resolve_one(repo: Repo, rev: str) -> str:
    """Resolve one revision to a full commit SHA."""
    out = git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], repo.root, check=False)
    sha = out.decode().strip()
    if not sha and not git(["for-each-ref", "--count=1", "refs/heads", "refs/tags"], repo.root, check=False).strip():
        raise GitError(
            f"The repository {repo.root} has no commits yet.", hint="Make a first commit, then run stepper again."
        )
    if not OBJECT_ID.fullmatch(sha):  # `^HEAD` resolves to "^<sha>": a revision, but not one commit
        raise GitError(
            f"Unknown revision '{shown(rev)}' in {repo.root}.",
            hint="Check the name with 'git log --oneline', or fetch it first.",
        )
    return sha


def read_commit(repo: Repo, sha: str) -> Commit:
    """Read one commit: metadata, every changed file with counts, and its unified diff.

    One `git diff-tree` prints it all (header, raw records, patch), parsed as it streams in; a merge, which
    diff-tree does not diff by itself, takes a second one against its first parent. (git/batch.py reads a range.)
    """
    no_index = {"GIT_INDEX_FILE": no_index_file(repo)}
    args = ["diff-tree", "--always", "--root", f"--format={COMMIT_FORMAT}", *DIFF_OPTS, "--end-of-options", sha, "--"]
    header, files = _stream_diff(args, repo.root, no_index, header_fields=9)
    commit = _commit(header, files)
    if commit.is_merge:
        args = ["diff-tree", "--no-commit-id", *DIFF_OPTS, "--end-of-options", commit.parents[0], sha, "--"]
        commit = commit._replace(files=tuple(_stream_diff(args, repo.root, no_index)[1]))
    return commit


COMMIT_FORMAT = "%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B"


def no_index_file(repo: Repo) -> str:
    """An index that does not exist (ENOENT reads as empty): it keeps git from reading each changed file back
    from the work tree when it matches the commit, which costs five system calls a file (0.12 s on 5,000)."""
    return str(repo.git_dir / f"stepper-no-index-{os.urandom(6).hex()}" / "index")


def parse_commit(out: bytes) -> Commit:
    """A commit from diff-tree's output in COMMIT_FORMAT with the diff options below (header, records, patch)."""
    reader = PatchReader(header_fields=9)
    reader.feed(out)
    files = reader.finish()
    return _commit(reader.header, files)


def _commit(header: list[bytes], files: list[FileChange]) -> Commit:
    parts = [_decode(f) for f in header[:9]] + [""] * (9 - len(header))
    message = parts[8].strip("\n")
    subject, _, body = message.partition("\n\n")
    return Commit(
        sha=parts[0], parents=tuple(parts[1].split()), author_name=parts[2], author_email=parts[3],
        author_date=parts[4], committer_name=parts[5], committer_email=parts[6], committer_date=parts[7],
        subject=" ".join(subject.split()), body=body.strip(), files=tuple(files),
    )  # fmt: skip


# raw records (NUL-separated), then the patch: every changed file against the first parent (git/patch.py counts
# the lines from the patch, so git does not diff every file a second time for --numstat)
DIFF_OPTS = ("-z", "--raw", "-p", "-r", "-M", "--no-ext-diff", "--no-textconv", "--no-color")


def _stream_diff(
    args: list[str], root: Path, env: dict[str, str], header_fields: int = 0
) -> tuple[list[bytes], list[FileChange]]:
    """Run a diff-tree and parse its output while git is still writing it (see patch.py)."""
    reader = PatchReader(header_fields)
    with starting_git(root):
        proc = subprocess.Popen(  # unbuffered: each read returns what git has written so far
            _argv(args), cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**_env(), **env}, bufsize=0
        )
    with proc:
        assert proc.stdout is not None and proc.stderr is not None
        buffer = memoryview(bytearray(_widen_pipe(proc.stdout.fileno())))
        while size := proc.stdout.readinto(buffer):  # type: ignore[attr-defined]
            reader.feed(bytes(buffer[:size]))
        error = proc.stderr.read()
    if proc.returncode != 0:
        raise git_failed(args, proc.returncode, error)
    return reader.header, reader.finish()


def _widen_pipe(fd: int, size: int = 1 << 20) -> int:
    """Let git write up to 1 MiB before it waits for us (Linux; elsewhere the pipe keeps its size), so a
    large patch crosses in a few hundred reads instead of thousands. Returns the size to read at once."""
    try:
        import fcntl

        return int(fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size))
    except (ImportError, AttributeError, OSError):
        return 1 << 16


def _decode(b: bytes) -> str:
    return b.decode("utf-8", "replace")

"""Read commits and repository identity with the real `git` (subprocess, streamed, bytes-safe)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import GitError

Status = Literal["added", "modified", "deleted", "renamed", "copied", "type_changed", "unmerged", "unknown"]
_STATUS: dict[str, Status] = {
    "A": "added", "M": "modified", "D": "deleted", "R": "renamed",
    "C": "copied", "T": "type_changed", "U": "unmerged",
}  # fmt: skip
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


@dataclass(frozen=True, slots=True)
class FileChange:
    """One changed path of a commit, against its first parent."""

    path: str
    status: Status
    old_path: str | None = None
    added: int = 0
    deleted: int = 0
    binary: bool = False
    submodule: bool = False
    diff: str = ""

    @property
    def diff_bytes(self) -> int:
        return len(self.diff.encode("utf-8", "surrogateescape"))


@dataclass(frozen=True, slots=True)
class Commit:
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
    files: tuple[FileChange, ...] = field(default=())

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def is_root(self) -> bool:
        return not self.parents

    @property
    def short_sha(self) -> str:
        return self.sha[:12]


@dataclass(frozen=True, slots=True)
class Repo:
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


def git(args: Sequence[str], cwd: Path | str, *, check: bool = True) -> bytes:
    """Run git and return stdout; a missing git or a failure becomes a GitError."""
    try:
        proc = subprocess.run(_argv(args), cwd=cwd, capture_output=True, env=_env(), check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH.", hint="Install git and try again.") from exc
    except NotADirectoryError as exc:
        raise GitError(f"{cwd} is not a folder.") from exc
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {msg[-1] if msg else 'exit ' + str(proc.returncode)}")
    return proc.stdout


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
        raise GitError(
            f"{where.resolve()} is not inside a git repository.",
            hint="Run stepper in a repository or pass --repo PATH.",
        ) from exc
    top, git_dir, common = out.decode("utf-8", "surrogateescape").splitlines()[:3]
    common_dir = (Path(top) / common) if not os.path.isabs(common) else Path(common)
    origin = git(["config", "--get", "remote.origin.url"], where, check=False).decode().strip() or None
    return Repo(
        root=Path(top),
        git_dir=Path(git_dir),
        common_dir=common_dir.resolve(),
        name=Path(top).name,
        origin_url=_CREDENTIALS.sub("", origin) if origin else None,
    )


def resolve_revs(repo: Repo, spec: str = "HEAD") -> list[str]:
    """Turn `REV` or `A..B` into full SHAs, oldest first."""
    if not spec or spec.startswith("-"):
        raise GitError(f"'{spec}' is not a revision.", hint="Give a commit, a branch, a tag or A..B.")
    if ".." in spec:
        left, _, right = spec.partition("...") if "..." in spec else spec.partition("..")
        for side in (left, right):
            if side:
                resolve_one(repo, side)
        out = git(["rev-list", "--reverse", spec, "--"], repo.root)
        return out.decode().split()
    return [resolve_one(repo, spec)]


def resolve_one(repo: Repo, rev: str) -> str:
    """Resolve one revision to a full commit SHA."""
    out = git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], repo.root, check=False)
    sha = out.decode().strip()
    if not sha:
        raise GitError(
            f"Unknown revision '{rev}' in {repo.root}.",
            hint="Check the name with 'git log --oneline', or fetch it first.",
        )
    return sha


def read_commit(repo: Repo, sha: str) -> Commit:
    """Read one commit: metadata, every changed file with counts, and its unified diff."""
    fmt = "%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B"
    raw = git(["show", "-s", f"--format={fmt}", sha, "--"], repo.root)
    parts = raw.decode("utf-8", "replace").split("\x00", 8)
    message = parts[8].strip("\n")
    subject, _, body = message.partition("\n\n")
    parents = tuple(parts[1].split())
    base = [parents[0]] if parents else ["--root"]
    files = _changed_files(repo, base, sha)
    return Commit(
        sha=parts[0], parents=parents, author_name=parts[2], author_email=parts[3], author_date=parts[4],
        committer_name=parts[5], committer_email=parts[6], committer_date=parts[7],
        subject=" ".join(subject.split()), body=body.strip(), files=tuple(files),
    )  # fmt: skip


def _changed_files(repo: Repo, base: list[str], sha: str) -> list[FileChange]:
    opts = ["-r", "-M", "--no-commit-id", "--no-ext-diff", "--no-textconv", "--no-color", *base, sha, "--"]
    meta = git(["diff-tree", "-z", "--raw", "--numstat", *opts], repo.root)
    entries = _parse_raw_numstat(meta)
    chunks = _stream_patches(repo, ["diff-tree", "-p", *opts])
    return _attach_diffs(entries, chunks)


def _decode(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def _parse_raw_numstat(data: bytes) -> list[dict[str, object]]:
    tokens = data.split(b"\x00")
    entries: list[dict[str, object]] = []
    counts: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith(b":"):
            meta = tok[1:].split()
            code = meta[4][:1].decode()
            paths = [tokens[i + 1]] + ([tokens[i + 2]] if code in "RC" else [])
            i += len(paths) + 1
            entries.append({
                "status": _STATUS.get(code, "unknown"),
                "old_path": _decode(paths[0]) if len(paths) == 2 else None,
                "path": _decode(paths[-1]),
                "submodule": b"160000" in (meta[0], meta[1]),
            })  # fmt: skip
        elif tok:
            plus, minus, rest = tok.split(b"\t", 2)
            i += 3 if rest == b"" else 1
            counts.append((plus.decode(), minus.decode()))
        else:
            i += 1
    for entry, (added, deleted) in zip(entries, counts, strict=False):
        entry["binary"] = added == "-"
        entry["added"] = int(added) if added.isdigit() else 0
        entry["deleted"] = int(deleted) if deleted.isdigit() else 0
    return entries


def _stream_patches(repo: Repo, args: list[str]) -> Iterator[tuple[bytes, list[bytes]]]:
    """Yield (header line, lines) per `diff --git` section, reading git's output as a stream."""
    try:
        proc = subprocess.Popen(_argv(args), cwd=repo.root, stdout=subprocess.PIPE, env=_env())
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH.") from exc
    assert proc.stdout is not None
    header: bytes | None = None
    lines: list[bytes] = []
    with proc:
        for line in proc.stdout:
            if line.startswith(b"diff --git "):
                if header is not None:
                    yield header, lines
                header, lines = line, [line]
            elif header is not None:
                lines.append(line)
        if header is not None:
            yield header, lines
    if proc.returncode not in (0, None):
        raise GitError(f"git diff-tree failed with exit {proc.returncode}.")


def _attach_diffs(entries: list[dict[str, object]], chunks: Iterator[tuple[bytes, list[bytes]]]) -> list[FileChange]:
    diffs: list[list[bytes]] = [[] for _ in entries]
    i, prev_header = 0, b""
    for header, lines in chunks:
        # a type change (symlink <-> file) is printed as two sections with the same header
        if i > 0 and entries[i - 1]["status"] == "type_changed" and header == prev_header:
            diffs[i - 1].extend(lines)
            continue
        if i < len(entries):
            diffs[i] = lines
        i, prev_header = i + 1, header
    return [
        FileChange(diff=_decode(b"".join(d)), **e)  # type: ignore[arg-type]
        for e, d in zip(entries, diffs, strict=True)
    ]

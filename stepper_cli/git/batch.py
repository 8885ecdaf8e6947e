"""Read many commits through a constant number of git processes: a range costs what `git log -p` costs.

- `CommitStream`: every commit of a list, metadata and changes, from ONE `git diff-tree --stdin` streamed in
  order (merges against their first parent, `--diff-merges=first-parent`), parsed as `read_commit` parses one
  commit, so a commit read either way is the same. Each commit's output opens with a random marker, which is
  where the stream is cut.
- `PatchIdStream`: `git patch-id --stable` of many commits from one `git diff-tree --stdin -p` piped into one
  `git patch-id`, the same ids `cache.reports.patch_id` computes one commit at a time. Both streams start at
  once, so git computes them side by side while stepper works on the commits already read.

If git cannot stream (an old git, a failure mid-way), the commits not read yet fall back to `read_commit`.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator, Sequence
from typing import IO

from .commits import COMMIT_FORMAT, DIFF_OPTS, Commit, Repo, _argv, _env, no_index_file, parse_commit, read_commit

_CHUNK = 1 << 16


class CommitStream:
    """The commits of `shas`, read in one git process as they are asked for, in that order."""

    def __init__(self, repo: Repo, shas: Sequence[str]) -> None:
        self.repo, self.shas = repo, list(shas)
        self._index = {sha: i for i, sha in enumerate(self.shas)}
        self._next = 0  # index in shas of the next commit the stream will give
        self._proc: subprocess.Popen[bytes] | None = None
        self._chunks: Iterator[bytes] | None = self._start() if self.shas else None  # git starts at once

    def get(self, sha: str) -> Commit:
        """The commit `sha`: from the stream when it is still ahead there, else read on its own."""
        while self._index.get(sha, -1) >= self._next:
            current, out = self.shas[self._next], self._read_next()
            self._next += 1
            if current == sha:
                if out is not None and (commit := parse_commit(out)).sha == sha:
                    return commit
                break
        return read_commit(self.repo, sha)

    def close(self) -> None:
        """Stop git if it is still running (a range cut short by an error); later reads are of one commit each."""
        self._index = {}  # nothing is ahead any more: no reading of earlier commits on the way to one
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        if self._proc is not None:
            self._proc.wait()
            assert self._proc.stdout is not None
            self._proc.stdout.close()
        self._proc, self._chunks = None, iter(())

    def __enter__(self) -> CommitStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_next(self) -> bytes | None:
        return next(self._chunks, None) if self._chunks is not None else None

    def _start(self) -> Iterator[bytes]:
        marker = os.urandom(12).hex()
        argv = _argv(["diff-tree", "--stdin", "--always", "--root", "--diff-merges=first-parent",
                      f"--format={marker}%x00{COMMIT_FORMAT}", *DIFF_OPTS])  # fmt: skip
        env = {**_env(), "GIT_INDEX_FILE": no_index_file(self.repo)}
        try:
            self._proc = subprocess.Popen(
                argv, cwd=self.repo.root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        except OSError:
            return iter(())
        lines = "".join(f"{sha}\n" for sha in self.shas[self._next :]).encode()
        _feed(self._proc.stdin, lines)
        assert self._proc.stdout is not None
        return _split(self._proc.stdout, (marker + "\0").encode())


def _feed(stdin: IO[bytes] | None, data: bytes) -> None:
    """Write git's input from a thread: git writes while it reads, and both pipes have a bounded buffer."""

    def write() -> None:
        try:
            assert stdin is not None
            stdin.write(data)
            stdin.close()
        except OSError:  # git stopped early; what it printed is still read
            pass

    threading.Thread(target=write, daemon=True).start()


def _split(stdout: IO[bytes], marker: bytes) -> Iterator[bytes]:
    """The output of each commit: what lies between one marker and the next (or the end)."""
    buffer, searched, seen = bytearray(), 0, False
    read = getattr(stdout, "read1", stdout.read)  # what is there now, not a full chunk
    while data := read(_CHUNK):
        buffer += data
        while (at := buffer.find(marker, searched)) >= 0:
            if seen:  # what precedes the first marker is nothing
                yield bytes(buffer[:at])
            seen, searched = True, 0
            del buffer[: at + len(marker)]
        searched = max(0, len(buffer) - len(marker) + 1)
    if seen:
        yield bytes(buffer)


class PatchIdStream:
    """`git patch-id --stable` of each commit of `shas` (None for a merge, an empty diff or a failure, as
    cache.reports.patch_id answers for one commit): one `git diff-tree --stdin -p` piped into one `git patch-id`,
    started at once and read as the ids are asked for, in order."""

    def __init__(self, repo: Repo, shas: Sequence[str]) -> None:
        self._order = {sha: i for i, sha in enumerate(shas)}
        self._found: dict[str, str] = {}
        self._known = -1  # every commit up to this index has its answer
        self._diff = subprocess.Popen(
            _argv(["diff-tree", "--stdin", "-p", "--root", "--no-color", "--no-ext-diff"]), cwd=repo.root,
            env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._ids = subprocess.Popen(
            _argv(["patch-id", "--stable"]), cwd=repo.root, env=_env(), stdin=self._diff.stdout,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert self._diff.stdout is not None
        self._diff.stdout.close()  # patch-id alone reads it now
        _feed(self._diff.stdin, "".join(f"{sha}\n" for sha in shas).encode())

    def __contains__(self, sha: str) -> bool:
        return sha in self._order

    def get(self, sha: str) -> str | None:
        """The patch id of `sha`, one of the commits given."""
        wanted = self._order[sha]
        assert self._ids.stdout is not None
        while self._known < wanted:
            line = self._ids.stdout.readline()
            words = line.decode().split()
            if not line:
                self._known = len(self._order)
            elif len(words) == 2 and words[1] in self._order:
                self._found[words[1]] = words[0]
                self._known = self._order[words[1]]
        return self._found.get(sha)

    def close(self) -> None:
        for proc in (self._ids, self._diff):
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        if self._ids.stdout is not None:
            self._ids.stdout.close()

    def __enter__(self) -> PatchIdStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

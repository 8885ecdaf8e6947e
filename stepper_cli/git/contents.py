"""Read what a commit's files contain: blobs by id (one `git cat-file --batch`) and which files name a word."""

from __future__ import annotations

import re
import subprocess
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

from .commits import EMPTY_TREE, _argv, _env, git, starting_git
from .patch import PatchReader
from .userdiff import function_context_options

#: a blob larger than this is left out (a lock file of a large project is a few megabytes)
MAX_BLOB_BYTES = 16 << 20
_HEX = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_WORD = re.compile(r"[A-Za-z_$][\w$]{2,}")
_HUNK = r"@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)"  # a hunk header line, and the text git put after it
_FIRST_HUNK = re.compile(_HUNK)
_NEXT_HUNK = re.compile(rf"\n{_HUNK}")  # a literal to look for, so the search skips along in C


class BlobReader:
    """One `git cat-file --batch` that every commit of a command reads its blobs through, started on first use,
    so a range of commits costs one process, not one a commit. Threads take turns (one request at a time)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def read(self, oids: Sequence[str], max_bytes: int = MAX_BLOB_BYTES) -> dict[str, bytes]:
        """The contents of the blobs named by full ids; missing and oversized ones are left out."""
        wanted = list(dict.fromkeys(o for o in oids if _HEX.fullmatch(o)))
        if not wanted:
            return {}
        with self._lock:
            try:
                return self._exchange(wanted, max_bytes)
            except (OSError, ValueError):  # git went away mid-way: the next read starts a new one
                self._stop()
                return {}

    def _exchange(self, wanted: list[str], max_bytes: int) -> dict[str, bytes]:
        proc = self._proc if self._proc is not None and self._proc.poll() is None else self._start()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(f"{o}\n" for o in wanted).encode())  # ids are small: the pipe holds them all
        proc.stdin.flush()
        found: dict[str, bytes] = {}
        for oid in wanted:  # cat-file answers in order, flushing after each object
            header = proc.stdout.readline().split()
            if not header:
                raise OSError("git cat-file stopped")
            if len(header) == 3 and header[2].isdigit():  # else `<oid> missing`
                data = proc.stdout.read(int(header[2]) + 1)[:-1]
                if header[1] == b"blob" and len(data) <= max_bytes:
                    found[oid] = data
        return found

    def _start(self) -> subprocess.Popen[bytes]:
        with starting_git(self.root):
            self._proc = subprocess.Popen(
                _argv(["cat-file", "--batch"]), cwd=self.root, env=_env(),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        weakref.finalize(self, _end, self._proc)  # a context nobody closed still ends its cat-file, at exit at last
        return self._proc

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _end(proc)

    def close(self) -> None:
        """End the cat-file process (closing its input is enough: it exits on end of input)."""
        with self._lock:
            self._stop()


def _end(proc: subprocess.Popen[bytes]) -> None:
    """cat-file exits at the end of its input; one that does not is stopped."""
    for stream in (proc.stdin, proc.stdout):
        if stream is not None and not stream.closed:
            stream.close()
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class CommitContents:
    """The contents of one commit's tree and of the blobs its diff names, read on demand."""

    def __init__(self, root: Path, sha: str, reader: BlobReader | None = None) -> None:
        """reader: the command's shared cat-file (a context's `blob_reader()`); else one of its own."""
        if not _HEX.fullmatch(sha):
            raise ValueError(f"not a full commit id: {sha!r}")
        self.root = root
        self.sha = sha
        self._reader = reader if reader is not None else BlobReader(root)

    def blobs(self, oids: Sequence[str], max_bytes: int = MAX_BLOB_BYTES) -> dict[str, bytes]:
        """The contents of the blobs named by full ids; missing and oversized ones are left out."""
        return self._reader.read(oids, max_bytes)

    def files_naming(self, words: Sequence[str], limit: int = 20) -> dict[str, list[str]]:
        """For each word (an identifier), the files of the commit's tree that contain it as a whole word."""
        wanted = [w for w in dict.fromkeys(words) if _WORD.fullmatch(w)][:limit]
        if not wanted:
            return {}
        patterns = [arg for w in wanted for arg in ("-e", w)]
        # the commit is a full hex id (checked above), so it cannot be read as an option
        out = _run(["grep", "-F", "-w", "-o", "-z", "-I", "--no-color", *patterns, self.sha, "--"], self.root)
        found: dict[str, list[str]] = {}
        prefix = f"{self.sha}:".encode()
        for line in out.split(b"\n"):
            path, _, word = line.removeprefix(prefix).partition(b"\x00")
            if word:
                names = found.setdefault(word.decode("utf-8", "replace"), [])
                name = path.decode("utf-8", "replace")
                if name not in names:
                    names.append(name)
        return {w: found[w] for w in wanted if found.get(w)}

    def function_contexts(self, parent: str | None, paths: Sequence[str]) -> dict[str, list[str]]:
        """For each path, the text after `@@ … @@` of each hunk (no context lines: one hunk a change), where git's
        language drivers name the enclosing function; {} when the user keeps attributes of their own (userdiff.py)."""
        options = function_context_options()
        if not paths or not options or (parent is not None and not _HEX.fullmatch(parent)):
            return {}
        args = ["--literal-pathspecs", *options, "diff-tree", "-z", "--raw", "-p", "-U0", "-r", "-M", "--no-color"]
        args += ["--no-ext-diff", "--no-textconv", parent or EMPTY_TREE, self.sha, "--", *paths]
        reader = PatchReader()
        reader.feed(_run(args, self.root))
        return {f.path: hunk_contexts(f.diff) for f in reader.finish()}


def hunk_contexts(diff: str) -> list[str]:
    """The text after each hunk header of a diff: the function or class git names the hunk as being in."""
    first = _FIRST_HUNK.match(diff)
    return ([first.group(1)] if first else []) + _NEXT_HUNK.findall(diff)


def _run(args: list[str], root: Path) -> bytes:
    """What git printed (a failure prints nothing useful: an empty answer)."""
    return git(args, root, check=False)

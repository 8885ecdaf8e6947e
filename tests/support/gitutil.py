"""A real git repository in a temp folder, driven through the git command line; histories of many commits
made in one git process; a `git` on PATH that logs each start."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

STAMP = 1_700_000_000  # commit times of generated histories


class GitRepo:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def init(cls, path: Path, *args: str) -> GitRepo:
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main", *args, str(path)], check=True)
        return cls(path)

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path, check=check, capture_output=True)
        return proc.stdout.decode("utf-8", "replace").strip()

    def write(self, rel: str, content: str | bytes) -> Path:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return p

    def commit(self, message: str, *files: tuple[str, str | bytes], allow_empty: bool = False) -> str:
        for rel, content in files:
            self.write(rel, content)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, *(["--allow-empty"] if allow_empty else []))
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")


def fast_import(repo: GitRepo, commits: list[tuple[str, dict[str, str]]]) -> None:
    """Commit each (message, {path: content}) on main, one second apart, with one `git fast-import`."""
    stream = []
    for i, (message, files) in enumerate(commits):
        text = message.encode()
        stream += [f"commit refs/heads/main\ncommitter Ada Tester <ada@example.com> {STAMP + i} +0000\n".encode()]
        stream += [f"data {len(text)}\n".encode(), text, b"\n"]
        for name, content in files.items():
            data = content.encode()
            stream += [f"M 100644 inline {name}\ndata {len(data)}\n".encode(), data, b"\n"]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo.path, input=b"".join(stream), check=True)
    repo.git("reset", "-q", "--hard", "main")


def linear_history(repo: GitRepo, count: int) -> None:
    """`count` commits, each editing two Python files of twenty functions (seven and five files in turn)."""
    commits = []
    for i in range(count):
        body = "".join(f"def f{n}():\n    return {n * i}\n" for n in range(20))
        commits.append((f"feat: change {i}\n", {f"f{i % 7}.py": body, f"g{i % 5}.py": body}))
    fast_import(repo, commits)


def counting_git(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose PATH starts with a `git` that logs each start, then runs the real one."""
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    folder, log = tmp_path / "bin", tmp_path / "git-starts.log"
    folder.mkdir()
    wrapper = folder / "git"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}, log


def starts(log: Path) -> list[str]:
    """The git command lines the counting git logged since the last call (the log starts afresh)."""
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines

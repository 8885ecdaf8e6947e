"""Helpers for the team drills on Redis: worker processes with STEPPER_HOMEs of their own sharing one queue
URL, a provider server that notes when each request arrived, a config for it, and a history of many small
commits made in one git process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.gitutil import GitRepo, fast_import
from tests.support.provider_server import ProviderServer, RecordedRequest


class StampedServer(ProviderServer):
    """The loopback provider server, also keeping the wall-clock time each request arrived at."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stamps: list[float] = []

    def record(self, request: RecordedRequest) -> int:
        self.stamps.append(time.time())
        return super().record(request)


def team_config(
    path: Path, base_url: str, *, rps: float = 1000.0, concurrency: int = 32, failure_threshold: int = 5
) -> Path:
    """Write a config with one keyless openai-protocol provider at base_url: no retries, a 60 s breaker."""
    path.write_text(
        "[retry]\nmax_attempts = 1\nbase_delay_seconds = 0.01\n"
        f"[breaker]\nfailure_threshold = {failure_threshold}\nwindow_seconds = 60\ncooldown_seconds = 60\n"
        f'[[providers]]\nname = "primary"\nkind = "openai"\nmodel = "test"\nbase_url = "{base_url}"\n'
        f'api_key_env = ""\ntimeout_seconds = 10\nrps = {rps}\nconcurrency = {concurrency}\n'
    )
    return path


def make_history(repo: GitRepo, count: int) -> list[str]:
    """Commit a base and then `count` one-file commits on main with one `git fast-import`; return the count SHAs."""
    files = [("chore: base", {"base.txt": "base\n"})]
    files += [(f"feat: add module {i}", {f"src/mod_{i}.py": f"VALUE_{i} = {i}\n"}) for i in range(1, count + 1)]
    fast_import(repo, files)
    return repo.git("rev-list", "--reverse", f"main~{count}..main").split()


def max_in_window(stamps: list[float], window: float) -> int:
    """The most requests that arrived within any `window` seconds."""
    ordered, best, start = sorted(stamps), 0, 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


class Worker:
    """One `stepper worker` process with its own STEPPER_HOME; stdout, stderr and its job log go to files."""

    def __init__(self, name: str, home: Path, repo: Path, env: dict[str, str], args: tuple[str, ...]) -> None:
        self.name, self.home = name, home
        home.mkdir(parents=True, exist_ok=True)
        self.log = home.parent / f"{name}.jobs.log"
        self.err_path = home.parent / f"{name}.stderr"
        argv = [sys.executable, "-m", "stepper_cli", "worker", "--log-file", str(self.log), *args]
        with self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(
                argv, cwd=repo, env={**os.environ, **team_repositories(repo), **env, "STEPPER_HOME": str(home)},
                stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        """What the process wrote on stdout and stderr so far."""
        return self.err_path.read_text(errors="replace")

    def lines(self) -> list[str]:
        """The job log so far."""
        return self.log.read_text().splitlines() if self.log.exists() else []

    def done(self) -> list[str]:
        """The ids of the jobs this worker logged as done, in order."""
        return [m.group(1) for line in self.lines() if (m := re.search(r"job (\w+) done ", line))]

    def wait(self, timeout: float = 60.0) -> int:
        """Wait for the process to exit (SIGKILL and fail after timeout); return its exit code."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"worker {self.name} still running after {timeout} s:\n{self.output()}") from None

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (running jobs finish first) and wait; return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the worker's process group, as a power cut or the OOM killer would."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


def team_repositories(repo: Path) -> dict[str, str]:
    """The environment that lists repo in queue.repositories: the jobs come from another home (machine)."""
    return {"STEPPER_QUEUE__REPOSITORIES": json.dumps([str(repo)])}


class Team:
    """The workers of one test, each with STEPPER_HOME=<root>/<name>, sharing this process's environment (queue
    URL, config, lease) plus `env`; none outlives the `with` block."""

    def __init__(self, root: Path, repo: Path, env: dict[str, str] | None = None) -> None:
        self.root, self.repo, self.env = root, repo, env or {}
        self.workers: list[Worker] = []

    def start(self, name: str, *args: str) -> Worker:
        """Start `stepper worker ARGS` with STEPPER_HOME=<root>/<name>."""
        worker = Worker(name, self.root / name, self.repo, self.env, args)
        self.workers.append(worker)
        return worker

    def __enter__(self) -> Team:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for worker in self.workers:
            worker.kill()

"""The local analyzer on a generated 5,000-file, 200k-line commit: wall time against `git show --stat` of the
same commit (target ≤ 2×), and peak RSS (target ≤ 200 MB).

The commit changes 2,500 files (half their 40 lines each) and adds 2,500 more (40 lines each): 200,000 changed
lines in 5,000 files across nested folders and several languages. Taking turns: `git show --stat`, `git show`
(the whole patch, which the analyzer must read: coverage counts every diff byte), the analyzer's own work
timed inside a process after its imports (read the commit, budget and redact the evidence, analyze), and the
whole `stepper report --offline --no-cache --format json` process. Peak RSS is a stepper process's own
high-water mark (ru_maxrss of the process, read as it exits, so git's child processes are not in it).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from benchmarks.common import PYTHON, Result, git, scratch, side_by_side, time_process

RUNS = 5
FILES = 5000
LINES = 40
TARGET_RATIO = 2.0
TARGET_MB = 200.0
_REPORT = ("report", "--offline", "--no-cache", "--format", "json")
_FOLDERS = ("src/core", "src/api", "lib/util", "tests/unit", "docs/guide", "web/app", "pkg/store", "tools")
_EXTS = (".py", ".py", ".js", ".ts", ".go", ".md", ".rs", ".json")
# runs the CLI in this process, then reports the process's peak RSS (KiB on Linux) on stderr
# the whole CLI in this process, then the process's peak RSS (KiB on Linux) on stderr
_WHOLE = (
    "import resource, sys; from stepper_cli.cli.main import _run; code = _run(sys.argv[1:], False); "
    "print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)"
)
# the analyzer's own work on HEAD, after the imports: read the commit, build the evidence, analyze (blobs through
# the context's cat-file reader, as a report reads them); seconds
_WORK = """
import resource, sys, time
from stepper_cli import api
from stepper_cli.generate import redact
from stepper_cli.generate.local.analyzer import analyze
from stepper_cli.git.commits import read_commit, resolve_revs
from stepper_cli.git.contents import CommitContents
from stepper_cli.generate.evidence import build_evidence
ctx = api.open_context(".")
sha = resolve_revs(ctx.repo, "HEAD")[0]
start = time.perf_counter()
commit = read_commit(ctx.repo, sha)
evidence = build_evidence(commit, ctx.settings.evidence)
report = analyze(commit, CommitContents(ctx.repo.root, commit.sha, ctx.blob_reader()), evidence)
elapsed = time.perf_counter() - start
print("seconds", elapsed, "maxrss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def run() -> list[Result]:
    with scratch(commits=0) as repo:
        make_commit(repo)
        stat = git("show", "--stat=200", "--format=", "HEAD", cwd=repo).splitlines()[-1]
        peaks: list[float] = []
        ms = side_by_side(
            RUNS,
            show_stat=lambda: time_process(["git", "show", "--stat", "HEAD"], repo),
            show_patch=lambda: time_process(["git", "show", "HEAD"], repo),
            work=lambda: _measured(repo, [PYTHON, "-c", _WORK], peaks),
            whole=lambda: _measured(repo, [PYTHON, "-c", _WHOLE, *_REPORT], peaks),
        )
    ratio, peak = ms["work"] / ms["show_stat"], max(peaks)
    return [
        Result("git show --stat (5,000 files, 200k lines)", ms["show_stat"], "ms", note=stat.strip()),
        Result("git show (the whole patch)", ms["show_patch"], "ms"),
        Result("local analyzer: read, evidence, analyze", ms["work"], "ms", note="in-process, after imports"),
        Result("  ratio to git show --stat", ratio, "×", f"≤ {TARGET_RATIO:g}×", ratio <= TARGET_RATIO),
        Result("  ratio to git show (patch)", ms["work"] / ms["show_patch"], "×"),
        Result("stepper report --offline --no-cache", ms["whole"], "ms", note="whole process"),
        Result("  peak RSS of a stepper process", peak, "MB", f"≤ {TARGET_MB:g} MB", peak <= TARGET_MB),
    ]


def make_commit(repo: Path) -> None:
    """A base commit of 2,500 files, then the measured commit: each of them half rewritten, 2,500 added."""
    half = FILES // 2
    for i in range(half):
        _write(repo, i, [f"line {n} of file {i}: value = {n * i}" for n in range(LINES)])
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "chore: the base tree", cwd=repo)
    for i in range(half):
        _write(repo, i, [f"line {n} of file {i}: value = {n * i}" + " changed" * (n % 2) for n in range(LINES)])
    for i in range(half, FILES):
        todo = "TODO: " if i % 50 == 0 else ""  # a marker in one new file in fifty
        _write(repo, i, [f"new line {n} of file {i}: {todo * (n == 7)}x = {n}" for n in range(LINES)])
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "feat: a very large change", "-m", "Generated for the benchmark.", cwd=repo)


def _write(repo: Path, i: int, lines: list[str]) -> None:
    path = repo / _FOLDERS[i % len(_FOLDERS)] / f"m{i // 100}" / f"file_{i}{_EXTS[i % len(_EXTS)]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _measured(repo: Path, argv: list[str], peaks: list[float]) -> float:
    """Run one measured process; note its peak RSS (MB); return its own timing if it gives one, else wall time."""
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=repo, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    words = proc.stderr.split()
    peaks.append(int(words[words.index("maxrss") + 1]) / 1024)
    if "seconds" in words:
        return float(words[words.index("seconds") + 1])
    json.loads(proc.stdout)  # a whole report came out
    return elapsed

"""A 200-commit range against `git log -p` of the same range (whole processes, taking turns): `stepper report`
with every report cached (target ≤ 1×), `stepper report --offline` with none cached (target ≤ 2×), and
`stepper enqueue` of the range (target ≤ 1×) in a home already in use (its settings snapshot and queue
file exist; none of the range's commits is cached or queued).

The history is generated: a 400-file tree of Python modules, then 200 commits that each rewrite functions in
6–14 files (and now and then add, rename or delete one), about 40 KB of patch a commit, as the history of a
busy project looks (the public project of issue 17: `git log -p` of 200 commits took 0.47 s).

Beside the cold range, what any cold run pays before its first commit: `report --offline` of the range's last
commit alone, in a fresh home (start-up, settings, the first store). A cold range costs that plus reading the
range from git (which `git log -p` is) plus the analysis of each commit.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import STEPPER, Result, git, scratch, side_by_side, time_process

RUNS = 5
COMMITS = 200
FILES = 400
FUNCTIONS = 30
SPEC = f"HEAD~{COMMITS}..HEAD"
TARGETS = {"warm": 1.0, "cold": 2.0, "enqueue": 1.0}
ENQUEUE_HOME = "enqueue"


def run() -> list[Result]:
    with scratch(commits=0) as repo:
        make_history(repo)
        homes = Path(tempfile.mkdtemp(prefix="stepper-bench-homes-"))
        warm, template = homes / "warm", homes / "template"
        _stepper(["report", SPEC, "--format", "json"], repo, warm)  # every report cached (local analyzer)
        # a home in use (settings snapshot, queue file), made at the path the timed runs use: a snapshot
        # names files under STEPPER_HOME, so one made elsewhere is stale there and each run would load settings
        _stepper(["enqueue", f"HEAD~{COMMITS}"], repo, homes / ENQUEUE_HOME)
        shutil.copytree(homes / ENQUEUE_HOME, template)
        ms = side_by_side(
            RUNS,
            log=lambda: time_process(["git", "log", "-p", SPEC], repo),
            warm=lambda: _timed(["report", SPEC, "--format", "json"], repo, warm),
            cold=lambda: _timed(["report", SPEC, "--offline", "--format", "json"], repo, _fresh(homes)),
            one=lambda: _timed(["report", "HEAD", "--offline", "--format", "json"], repo, _fresh(homes)),
            enqueue=lambda: _timed(["enqueue", SPEC, "--json"], repo, _copy(template, homes)),
        )
        shutil.rmtree(homes, ignore_errors=True)
        size = len(git("log", "-p", SPEC, cwd=repo).encode()) / 1e6
    results = [Result(f"git log -p of {COMMITS} commits", ms["log"], "ms", note=f"{size:.1f} MB of patch")]
    for name, label in (("warm", "report, all cached"), ("cold", "report --offline, none cached"),
                        ("enqueue", "enqueue, nothing cached or queued")):  # fmt: skip
        ratio = ms[name] / ms["log"]
        target = TARGETS[name]
        results.append(Result(f"{label}", ratio, "×", f"≤ {target:g}×", ratio <= target, f"{ms[name]:.0f} ms"))
        if name == "cold":
            note = f"{ms['one']:.0f} ms: what a cold run pays before its first commit"
            results.append(Result("  report --offline of one commit", ms["one"] / ms["log"], "×", note=note))
    return results


def make_history(repo: Path) -> None:
    """The base tree and COMMITS commits on top, in one `git fast-import`."""
    rng = random.Random(17)
    files = {f"pkg/m{i // 30}/mod_{i}.py": _module(rng, i, 0) for i in range(FILES)}
    stream = [_commit("chore: the base tree", files, 0)]
    for n in range(1, COMMITS + 1):
        changed: dict[str, str | None] = {}
        for path in rng.sample(sorted(files), rng.randint(6, 14)):
            changed[path] = _module(rng, int(path.rsplit("_", 1)[1][:-3]), n)
        if n % 25 == 0:  # now and then a new file, a rename (delete + add of the same text) or a deletion
            changed[f"pkg/new/feature_{n}.py"] = _module(rng, n, n)
            old = rng.choice(sorted(set(files) - set(changed)))
            changed[old.replace("mod_", "renamed_")], changed[old] = files[old], None
        for path, text in changed.items():
            if text is None:
                files.pop(path)
            else:
                files[path] = text
        stream.append(_commit(f"feat: change {n} of the {rng.choice(['api', 'store', 'cli'])} layer", changed, n))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), check=True)
    git("reset", "-q", "--hard", "main", cwd=repo)


def _module(rng: random.Random, i: int, version: int) -> str:
    lines = [f'"""Module {i}."""', "", "import os", ""]
    for f in range(FUNCTIONS):
        tweak = rng.randint(0, 9) if rng.random() < 0.3 else 0
        lines += [f"def func_{f}(value: int) -> int:", f'    """Step {f} of {i}."""']
        lines += [f"    total = value * {f + tweak + version % 3}", f"    return total + {i + tweak}", ""]
    return "\n".join(lines) + "\n"


def _commit(message: str, changed: dict[str, str | None], n: int) -> bytes:
    body = message.encode() + b"\n"
    out = [b"commit refs/heads/main\n", f"committer bench <b@example.com> {1_700_000_000 + n} +0000\n".encode()]
    out += [f"data {len(body)}\n".encode(), body]
    for path, text in changed.items():
        if text is None:
            out.append(f"D {path}\n".encode())
        else:
            data = text.encode()
            out += [f"M 100644 inline {path}\n".encode(), f"data {len(data)}\n".encode(), data, b"\n"]
    return b"".join(out)


def _fresh(homes: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=homes))


def _copy(template: Path, homes: Path) -> Path:
    """The template home again, at the path it was made at (its settings snapshot is valid for that path only)."""
    home = homes / ENQUEUE_HOME
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(template, home)
    return home


def _stepper(args: list[str], repo: Path, home: Path) -> None:
    _timed(args, repo, home)


def _timed(args: list[str], repo: Path, home: Path) -> float:
    # byte-code caching on, as in an installed package (the first run writes the .pyc files)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return time_process([STEPPER, *args], repo, {**env, "STEPPER_HOME": str(home)})

"""The benchmark registry and runner: `python -m benchmarks [NAME ...]` prints each result with its target and
writes them all, with the machine they ran on, to benchmarks/results/<UTC time>.json (and latest.json).

A benchmark is a function returning a list of `Result`s; add one by writing a module and listing it in
BENCHMARKS. The exit status is 1 when a target was missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import analyzer, cli, enqueue, failover, generate, hook, ranges, rebase, redact, report, throughput
from benchmarks.common import PYTHON, Result

BENCHMARKS: dict[str, Callable[[], list[Result]]] = {
    "enqueue": enqueue.run,  # 1. `stepper enqueue` whole process vs `python -c pass`
    "report": report.run,  # 2. cache-hit `stepper report` whole process vs `python -c pass`
    "generate": generate.run,  # 3. `report --no-cache`, one loopback provider, and offline
    "cli": cli.run,  # 4. `stepper --help` and one completion TAB
    "hook": hook.run,  # 5. `git commit` with the hook minus without
    "rebase": rebase.run,  # 6. `git rebase -f HEAD~40` with the hooks ÷ without
    "throughput": throughput.run,  # 7. worker throughput at concurrency 1/4/8/16 (100 ms) and 32 (1 s)
    "analyzer": analyzer.run,  # 8. the local analyzer on a 5,000-file, 200k-line commit
    "failover": failover.run,  # 9. time to a report with the first provider refusing, breaker closed vs open
    "redact": redact.run,  # 10. redaction: import cost, a 48 KB diff without and with candidates
    "ranges": ranges.run,  # 11. a 200-commit range (report warm and cold, enqueue) vs `git log -p` of it
}
RESULTS = Path(__file__).parent / "results"


def prepare_bytecode() -> None:
    """Time stepper as installed: `pip install` compiles the package, so compile it once here, and let the timed
    processes keep their bytecode (an environment with PYTHONDONTWRITEBYTECODE=1 would recompile every module
    in every run, which no installed stepper does)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    package = Path(__file__).resolve().parents[1] / "stepper_cli"
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(package)], check=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(BENCHMARKS))
        return
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    prepare_bytecode()
    machine = describe_machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()), flush=True)
    runs: dict[str, Any] = {}
    missed = 0
    for name in args.names or list(BENCHMARKS):
        started = time.monotonic()
        print(f"== {name}", flush=True)
        results = BENCHMARKS[name]()
        for result in results:
            print(result.line(), flush=True)
            missed += result.ok is False
        seconds = time.monotonic() - started
        print(f"   ({seconds:.1f} s)")
        runs[name] = {"seconds": round(seconds, 1), "results": [r.to_json() for r in results]}
    path = save({"machine": machine, "benchmarks": runs, "missed": missed})
    print(f"results: {path}")
    sys.exit(1 if missed else 0)


def describe_machine() -> dict[str, Any]:
    """What the numbers depend on: cores, CPU, Python, git, OS."""
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        cpu = platform.processor()
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip().removeprefix("git ")
    return {"cores": os.cpu_count(), "cpu": cpu or "unknown", "python": platform.python_version(),
            "interpreter": PYTHON, "git": git, "os": platform.platform(terse=True)}  # fmt: skip


def save(data: dict[str, Any]) -> Path:
    """Write the run to results/<UTC time>.json and results/latest.json; return the first."""
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps({"finished_at": stamp, **data}, indent=2, ensure_ascii=False) + "\n"
    path = RESULTS / f"{stamp}.json"
    path.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    return path


if __name__ == "__main__":
    main()

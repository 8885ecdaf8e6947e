"""The benchmark registry and runner: `python -m benchmarks [NAME ...]` prints each result with its target.

A benchmark is a function returning a list of `Result`s; add one by writing a module and listing it in
BENCHMARKS.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from benchmarks import enqueue, throughput
from benchmarks.common import Result

BENCHMARKS: dict[str, Callable[[], list[Result]]] = {
    "enqueue": enqueue.run,
    "throughput": throughput.run,
}


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
    missed = 0
    for name in args.names or list(BENCHMARKS):
        started = time.monotonic()
        print(f"== {name}", flush=True)
        for result in BENCHMARKS[name]():
            print(result.line(), flush=True)
            missed += result.ok is False
        print(f"   ({time.monotonic() - started:.1f} s)")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()

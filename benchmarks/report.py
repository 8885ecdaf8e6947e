"""Whole-process cache-hit `stepper report` against `python -c pass`; target ≤ 4×.

The report is in the cache already (a first run generated it and wrote the settings snapshot), as it is for a
CI step or an editor asking again. Taking turns: `python -c pass`, `stepper report` (the lean entry of
cli/lean/: no Typer, no pydantic), and the same hit through Typer (`_STEPPER_NO_LEAN=1` sends it there), which
is what every cache hit cost before the lean entry.
"""

from __future__ import annotations

import os

from benchmarks.common import STEPPER, Result, python_pass, scratch, side_by_side, time_process

RUNS = 15
TARGET = 4.0


def run() -> list[Result]:
    with scratch(commits=2) as repo:
        time_process([STEPPER, "report"], repo)  # generates it (the local analyzer) and caches it
        ms = side_by_side(
            RUNS,
            base=python_pass(repo),
            text=lambda: time_process([STEPPER, "report"], repo),
            json=lambda: time_process([STEPPER, "report", "--format", "json"], repo),
            typer=lambda: time_process([STEPPER, "report"], repo, env={**os.environ, "_STEPPER_NO_LEAN": "1"}),
        )
    base, as_json = ms["base"], ms["json"] / ms["base"]
    return [
        Result("python -c pass", base, "ms"),
        Result("stepper report, cache hit", ms["text"], "ms"),
        Result("  ratio to python -c pass", ms["text"] / base, "×", f"≤ {TARGET:g}×", ms["text"] / base <= TARGET),
        Result(
            "stepper report --format json, cache hit",
            as_json,
            "×",
            f"≤ {TARGET:g}×",
            as_json <= TARGET,
            f"{ms['json']:.0f} ms",
        ),
        Result("full Typer path, cache hit (before)", ms["typer"] / base, "×", note=f"{ms['typer']:.0f} ms"),
    ]

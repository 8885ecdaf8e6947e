"""What a person waits for at the prompt: `stepper --help` (target ≤ 8×) and one TAB of shell completion
(target ≤ 5×: a command name, a revision, a provider name), each whole process against `python -c pass`.

A TAB is the process bash's completion script starts (`_STEPPER_COMPLETE=complete_bash` with COMP_WORDS and
COMP_CWORD), so the figure is what a person feels on each press.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import STEPPER, Result, python_pass, scratch, side_by_side, time_process

RUNS = 15
TARGET_HELP = 8.0
TARGET_TAB = 5.0
_CONFIG = '[[providers]]\nname = "primary"\nkind = "openai"\nmodel = "m"\nbase_url = "http://127.0.0.1:9/v1"\n'
TABS = {
    "command (stepper rep<TAB>)": ("stepper rep", 1),
    "revision (stepper report ma<TAB>)": ("stepper report ma", 2),
    "provider (report --provider <TAB>)": ("stepper report --provider ", 3),
}


def run() -> list[Result]:
    with scratch(commits=3) as repo:
        config = repo.parent / "config.toml"
        config.write_text(_CONFIG)
        os.environ["STEPPER_CONFIG"] = str(config)
        time_process([STEPPER, "report"], repo)  # the settings snapshot exists from here on
        ms = side_by_side(
            RUNS,
            base=python_pass(repo),
            help=lambda: time_process([STEPPER, "--help"], repo),
            **{name: _tab(words, cword, repo) for name, (words, cword) in TABS.items()},
        )
    base = ms["base"]
    results = [Result("python -c pass", base, "ms")]
    ratio = ms["help"] / base
    results.append(Result("stepper --help", ratio, "×", f"≤ {TARGET_HELP:g}×", ratio <= TARGET_HELP,
                          f"{ms['help']:.0f} ms"))  # fmt: skip
    for name in TABS:
        ratio = ms[name] / base
        results.append(Result(f"one TAB: {name}", ratio, "×", f"≤ {TARGET_TAB:g}×", ratio <= TARGET_TAB,
                              f"{ms[name]:.0f} ms"))  # fmt: skip
    return results


def _tab(words: str, cword: int, repo: Path) -> Callable[[], float]:
    env = {**os.environ, "_STEPPER_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    return lambda: time_process([STEPPER], repo, env=env)

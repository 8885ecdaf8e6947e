"""Regenerate completions/ from the stepper app (bash, zsh, fish); `--check` exits 1 if they are stale.

    python scripts/gen_completions.py          # rewrite the files
    python scripts/gen_completions.py --check  # CI / tests: compare only

The scripts are the app's own (Typer's) completion sources, printed by `_STEPPER_COMPLETE=source_<shell>
stepper`: at each TAB they ask `stepper` for the candidates, so new commands and options complete
without regenerating; the files change only when Typer's templates do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = {"bash": "stepper.bash", "zsh": "_stepper", "fish": "stepper.fish"}
HEADER = "# Generated from the stepper app by scripts/gen_completions.py; do not edit.\n"


def completion_script(shell: str) -> str:
    """The completion script for shell, as the app prints it, with a generated-file header."""
    env = {**os.environ, "_STEPPER_COMPLETE": f"source_{shell}"}
    proc = subprocess.run(
        [sys.executable, "-m", "stepper_cli"], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    body = proc.stdout.strip() + "\n"
    if body.startswith("#compdef"):  # zsh autoloads a completion only when #compdef is the first line
        first, _, rest = body.partition("\n")
        return f"{first}\n{HEADER}{rest}"
    return HEADER + body


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for shell, name in FILES.items():
        path = ROOT / "completions" / name
        text = completion_script(shell)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not check:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print(f"stale completions: {', '.join(stale)}; run python scripts/gen_completions.py", file=sys.stderr)
        return 1
    for name in stale:
        print(f"wrote completions/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

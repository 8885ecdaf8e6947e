"""Redaction cost: importing it (fresh processes; target: no pattern compiled, ≤ 5 ms), and redacting a
48 KB diff (the default evidence budget) in-process: one without any rule's keyword (target ≤ 5 ms: one
pass of the keyword search), one full of candidates (keys, URLs, assignments; target ≤ 20 ms), and the first call of a
process on it (the patterns of the rules its keywords select are compiled then; target ≤ 60 ms).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time

from benchmarks.common import PYTHON, Result

RUNS = 15
_IMPORT = """
import re, time
calls = []
compile_ = re.compile
re.compile = lambda *a, **k: (calls.append(a[0]), compile_(*a, **k))[1]
import stepper_cli.generate  # the package above it (and `re`, which typing brings), not measured
start = time.perf_counter()
import stepper_cli.generate.redact
print(time.perf_counter() - start, len(calls))
"""
_FIRST_CALL = """
import sys, time
from stepper_cli.generate.redact import redact
text = sys.stdin.read()
start = time.perf_counter()
redact(text)
print(time.perf_counter() - start)
"""


def plain_diff(size: int = 48 * 1024) -> str:
    """Ordinary code with none of the rules' keywords."""
    lines = ["diff --git a/app/models.py b/app/models.py", "@@ -10,6 +10,40 @@ class Order:"]
    i = 0
    while sum(map(len, lines)) < size:
        lines.append(f"+    def total_{i}(self, items: list[Item]) -> Decimal:")
        lines.append(f"+        return sum((item.price * item.quantity for item in items), Decimal({i}))")
        i += 1
    return "\n".join(lines) + "\n"


def candidate_diff(size: int = 48 * 1024) -> str:
    """Config and code dense with what the rules look at: keys, URLs, assignments, a few real secrets."""
    lines = ["diff --git a/config/settings.py b/config/settings.py", "@@ -1,6 +1,400 @@"]
    i = 0
    while sum(map(len, lines)) < size:
        lines.append(f'+API_KEY_{i} = os.environ["API_KEY_{i}"]  # see https://example.com/docs/keys')
        lines.append(f"+    token_{i} = get_token(session, key=cache_key_{i})")
        lines.append(f'+DB_PASSWORD_{i} = "s3cr3t-{i:06d}"')
        lines.append(f"+url_{i} = 'postgres://app:pw-{i}@db.internal:5432/app'")
        i += 1
    return "\n".join(lines) + "\n"


def run() -> list[Result]:
    from stepper_cli.generate.redact import redact

    imports = [_run(_IMPORT) for _ in range(RUNS + 1)][1:]
    import_ms = statistics.median(float(line.split()[0]) for line in imports) * 1000
    compiled = max(int(line.split()[1]) for line in imports)
    plain, busy = plain_diff(), candidate_diff()
    redact(busy)  # compile what it selects, as the first call of a process does
    plain_ms, busy_ms = _median_ms(redact, plain), _median_ms(redact, busy)
    first_ms = statistics.median(float(_run(_FIRST_CALL, busy)) for _ in range(5)) * 1000
    return [
        Result("import redaction: patterns compiled", compiled, "", "0", compiled == 0),
        Result("import redaction", import_ms, "ms", "≤ 5 ms", import_ms <= 5),
        Result("redact 48 KB without candidates", plain_ms, "ms", "≤ 5 ms", plain_ms <= 5),
        Result("redact 48 KB of candidates", busy_ms, "ms", "≤ 20 ms", busy_ms <= 20, f"{redact(busy)[1]} secrets"),
        Result("  first call of a process (compiles)", first_ms, "ms", "≤ 60 ms", first_ms <= 60),
    ]


def _run(code: str, stdin: str = "") -> str:
    # byte-code caching on, as in an installed package (a first run writes the .pyc files)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run([PYTHON, "-c", code], input=stdin, capture_output=True, text=True, check=True, env=env).stdout


def _median_ms(redact: object, text: str) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        redact(text)  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000

"""Bad input: what the lean cache-hit `stepper report` (cli/lean/) reads from the cache.

It prints a cached result without pydantic only when `report_json.canonical` accepts it, which must mean
that pydantic would accept it too and print it unchanged (a property test over valid and mutated results
holds the two together); anything else goes to the full command. Either way the output is the same.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from stepper_cli.config.plain import hints
from stepper_cli.report import checked, contract
from stepper_cli.report import lean as report_json
from stepper_cli.report.model import Attempt, Coverage, Report, ReportResult, Tokens
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo

CHARS = st.characters(blacklist_categories=("Cs",))


def text(low: int, high: int) -> st.SearchStrategy[str]:
    return st.text(CHARS, min_size=low, max_size=high + 2).map(str.strip).filter(lambda s: low <= len(s) <= high)


REPORT = st.fixed_dictionaries(
    {
        "title": text(10, 120),
        "summary": text(50, 120),
        "changes": st.lists(text(1, 30), min_size=1, max_size=4),
        "rationale": text(20, 60),
        "impact_and_tests": text(20, 60),
        "next_steps": st.lists(text(1, 30), max_size=3),
        "tags": st.lists(text(1, 40), max_size=3),
    }
)
ATTEMPT = st.fixed_dictionaries(
    {
        "provider": st.text(max_size=8),
        "attempt": st.integers(1, 5),
        "outcome": st.sampled_from(contract.OUTCOMES),
        "error": st.none() | st.sampled_from(["timeout", "rate_limited", "circuit_open"]),
        "detail": st.none() | st.text(max_size=20),
        "duration_ms": st.integers(0, 10**6),
        "tokens": st.none() | st.fixed_dictionaries({"input": st.integers(0, 10**6), "output": st.integers(0, 10**6)}),
    }
)
RESULT = st.builds(
    lambda report, attempts, fallback, cached, n, author: ReportResult.model_validate(
        {
            "commit": "a" * 40,
            "repo": "repo",
            "author": author,
            "date": "2026-12-01T14:40:35+00:00",
            "report": report,
            "provider": "local" if fallback else "primary",
            "fallback": fallback,
            "cached": cached,
            "attempts": attempts,
            "redactions": n,
            "coverage": {
                "files": n,
                "files_in_prompt": n,
                "diff_bytes": 10 * n,
                "diff_bytes_in_prompt": n,
                "truncated": False,
            },
            "timings": {"total_ms": n},
        }
    ).to_json(),
    REPORT,
    st.lists(ATTEMPT, max_size=3),
    st.booleans(),
    st.booleans(),
    st.integers(0, 10**6),
    st.text(max_size=20),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(CHARS, max_size=130),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def mutated(value: Any, draw: st.DrawFn, depth: int = 0) -> Any:
    """The value with one node somewhere replaced, dropped, or joined by an extra key."""
    if isinstance(value, dict) and value and draw(st.integers(0, 3)) and depth < 4:
        key = draw(st.sampled_from(sorted(value)))
        choice = draw(st.integers(0, 3))
        if choice == 0:
            return {k: v for k, v in value.items() if k != key}
        if choice == 1:
            return {**value, draw(st.text(max_size=5)): draw(JSON)}
        return {**value, key: mutated(value[key], draw, depth + 1)}
    if isinstance(value, list) and value and draw(st.booleans()) and depth < 4:
        i = draw(st.integers(0, len(value) - 1))
        return [*value[:i], mutated(value[i], draw, depth + 1), *value[i + 1 :]]
    if isinstance(value, str) and draw(st.booleans()):
        return draw(
            st.sampled_from([value + " ", " " + value, value[:5], value * 30, value + "\x1c", value + "\u3000"])
        )
    return draw(JSON)


@settings(max_examples=150, deadline=None)
@given(result=RESULT)
def test_the_lean_check_accepts_every_result_pydantic_prints(result: dict[str, Any]) -> None:
    assert report_json.canonical(result) == result


@settings(max_examples=400, deadline=None)
@given(result=RESULT, data=st.data())
def test_what_the_lean_check_accepts_pydantic_accepts_and_prints_unchanged(
    result: dict[str, Any], data: st.DataObject
) -> None:
    changed = mutated(result, data.draw)
    if report_json.canonical(changed) is None:
        return  # the full command decides (and regenerates what it cannot validate)
    try:
        again = ReportResult.model_validate(checked.checked(ReportResult, changed)).to_json()
    except ValidationError as exc:
        raise AssertionError(f"accepted by the lean check, refused by pydantic: {exc}") from exc
    assert again == changed


def _made(make: Any) -> Any:
    try:
        return make()
    except ValidationError as exc:
        return [e["loc"] for e in exc.errors()]


@settings(max_examples=400, deadline=None)
@given(result=RESULT, data=st.data())
def test_a_result_is_what_pydantic_makes_of_it_or_refused_where_pydantic_refuses_it(
    result: dict[str, Any], data: st.DataObject
) -> None:
    changed = mutated(result, data.draw)  # canonical or not: the stdlib check, else pydantic's, decides
    plain = _made(lambda: ReportResult.model_validate(changed).model_dump())
    assert plain == _made(lambda: checked.checked(ReportResult, changed))


def test_the_model_has_the_contracts_keys_in_its_order() -> None:
    for plain, schema in ((ReportResult, contract.RESULT), (Report, contract.REPORT), (Attempt, contract.ATTEMPT),
                          (Coverage, contract.COVERAGE), (Tokens, contract.TOKENS)):  # fmt: skip
        checking = checked.model_of(plain)
        assert tuple(f.name for f in dataclasses.fields(plain)) == tuple(checking.model_fields) == contract.keys(schema)
    assert get_args(hints(Attempt)["outcome"]) == get_args(checked.model_of(Attempt).model_fields["outcome"].annotation)
    assert get_args(hints(Attempt)["outcome"]) == contract.OUTCOMES
    assert next(f.default for f in dataclasses.fields(ReportResult) if f.name == "schema_version") == 1


@pytest.fixture
def cached(repo: GitRepo) -> GitRepo:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    repo.commit("fix: b\n\nBecause b was wrong.", ("b.py", "b = 1\n"), ("tests/test_b.py", "def test_b():\n    pass\n"))
    assert stepper("report", "HEAD~1..HEAD", cwd=repo.path).code == 0  # cached, and the snapshot written
    assert stepper("report", "HEAD~1", cwd=repo.path).code == 0
    return repo


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("HEAD~1",),
        ("HEAD~1..HEAD",),
        ("-f", "json"),
        ("--format=markdown",),
        ("HEAD~1..HEAD", "--format", "json", "-q"),
        ("nope",),
    ],
)
def test_the_lean_path_prints_exactly_what_the_full_command_prints(cached: GitRepo, args: tuple[str, ...]) -> None:
    lean = stepper("report", *args, cwd=cached.path)
    full = stepper("report", *args, "--no-fallback", cwd=cached.path)  # not a lean-path flag; output unchanged
    assert (lean.code, lean.out, lean.err) == (full.code, full.out, full.err)
    assert lean.code == (3 if "nope" in args else 0)


def test_a_cache_hit_loads_no_typer_or_pydantic(cached: GitRepo) -> None:
    code = (
        "import sys; from stepper_cli.cli.main import _run; assert _run(['report', '--format', 'json'], False) == 0;"
        "heavy = {'typer', 'rich', 'pydantic', 'pydantic_settings', 'httpx', 'huey', 'redis'};"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=cached.path, capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "[]" and json.loads(out.stdout)["cached"] is True


@pytest.mark.parametrize(
    "tamper",
    ["title too short", "extra key", "wrong type", "not an object", "no result"],
)
def test_a_cached_result_the_lean_check_refuses_goes_to_the_full_command(
    cached: GitRepo, isolated_env: Path, tamper: str
) -> None:
    with sqlite3.connect(isolated_env / "store" / "cache.db") as conn:
        rows = conn.execute("select key, value from Cache where key like 'report:%'").fetchall()
        for key, value in rows:
            entry = json.loads(value)
            result = entry["result"]
            if tamper == "title too short":
                result["report"]["title"] = "short"
            elif tamper == "extra key":
                result["surprise"] = 1
            elif tamper == "wrong type":
                result["redactions"] = "none"
            elif tamper == "not an object":
                entry["result"] = ["a", "list"]
            else:
                del entry["result"]
            conn.execute("update Cache set value = ? where key = ?", (json.dumps(entry), key))
    out = stepper("report", "--format", "json", cwd=cached.path)
    assert out.code == 0 and "Traceback" not in out.err
    data = json.loads(out.out)
    assert data["commit"] == cached.head() and len(data["report"]["title"]) >= 10
    again = stepper("report", "--format", "json", cwd=cached.path)  # the full command wrote it back whole
    assert again.code == 0 and json.loads(again.out)["cached"] is True

"""Check a stored report result without pydantic, for the lean cache-hit `stepper report` (cli/fast_report.py).

`canonical` accepts exactly what `ReportResult.to_json()` prints: the same keys in the same order, the same
types and the bounds of CONTRACT.md. For such a dict, validating it with pydantic and printing it again gives
it back unchanged (a property test holds the two together), so the lean path prints what the full one would.
Anything else answers None, and the full path decides. Standard library only.
"""

from __future__ import annotations

from typing import Any

RESULT_KEYS = ("schema_version", "commit", "repo", "report", "provider", "fallback", "cached", "attempts",
               "redactions", "coverage", "timings")  # fmt: skip
COVERAGE_KEYS = ("files", "files_in_prompt", "diff_bytes", "diff_bytes_in_prompt", "truncated")
OUTCOMES = ("ok", "error", "skipped")
SCHEMA_VERSION = 1  # report.SCHEMA_VERSION (kept equal by a test)
# report field: (min length, max length) of the text, or of the list and then of each item
_TEXTS = {"title": (10, 120), "summary": (50, 2000), "rationale": (20, 2000), "impact_and_tests": (20, 2000)}
_LISTS = {"changes": (1, 50, 500), "next_steps": (0, 20, 500), "tags": (0, 20, 40)}
_REPORT_KEYS = ("title", "summary", "changes", "rationale", "impact_and_tests", "next_steps", "tags")


def canonical(data: Any) -> dict[str, Any] | None:
    """The result if it is exactly what `ReportResult.to_json()` prints, else None."""
    if not (isinstance(data, dict) and tuple(data) == RESULT_KEYS and data["schema_version"] == SCHEMA_VERSION):
        return None
    ok = (
        _is_int(data["schema_version"])
        and all(isinstance(data[k], str) for k in ("commit", "repo", "provider"))
        and all(isinstance(data[k], bool) for k in ("fallback", "cached"))
        and _is_int(data["redactions"])
        and _report_ok(data["report"])
        and isinstance(data["attempts"], list)
        and all(_attempt_ok(a) for a in data["attempts"])
        and _coverage_ok(data["coverage"])
        and isinstance(data["timings"], dict)
        and all(isinstance(k, str) and _is_int(v) for k, v in data["timings"].items())
    )
    return data if ok else None


def _report_ok(report: Any) -> bool:
    if not (isinstance(report, dict) and tuple(report) == _REPORT_KEYS):
        return False
    texts = all(_text_ok(report[k], low, high) for k, (low, high) in _TEXTS.items())
    lists = all(
        isinstance(report[k], list) and low <= len(report[k]) <= high and all(_text_ok(i, 1, each) for i in report[k])
        for k, (low, high, each) in _LISTS.items()
    )
    return texts and lists


def _attempt_ok(attempt: Any) -> bool:
    if not isinstance(attempt, dict):
        return False
    keys = ("provider", "attempt", "outcome", "error", *(("detail",) if "detail" in attempt else ()), "duration_ms")
    return (
        tuple(attempt) == keys
        and isinstance(attempt["provider"], str)
        and _is_int(attempt["attempt"])
        and attempt["outcome"] in OUTCOMES
        and (attempt["error"] is None or isinstance(attempt["error"], str))
        and isinstance(attempt.get("detail", ""), str)
        and _is_int(attempt["duration_ms"])
    )


def _coverage_ok(coverage: Any) -> bool:
    return (
        isinstance(coverage, dict)
        and tuple(coverage) == COVERAGE_KEYS
        and all(_is_int(coverage[k]) for k in COVERAGE_KEYS[:4])
        and isinstance(coverage["truncated"], bool)
    )


def _text_ok(value: Any, low: int, high: int) -> bool:
    return isinstance(value, str) and value == value.strip() and low <= len(value) <= high


def _is_int(value: Any) -> bool:
    return type(value) is int

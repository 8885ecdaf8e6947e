"""The report contract is written once: the published schema is fresh, and real reports fit it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from stepper_cli.report import contract
from stepper_cli.report.lean import fits
from stepper_cli.report.model import report_json_schema
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo

ROOT = Path(__file__).resolve().parents[2]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_report_schema", ROOT / "scripts" / "gen_report_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def published() -> dict[str, object]:
    return json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_published_schema_is_fresh() -> None:
    assert (ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8") == generator().schema_text(), (
        "stale: run python scripts/gen_report_schema.py"
    )


def test_a_real_report_fits_the_published_schema_with_author_and_date(repo: GitRepo) -> None:
    repo.commit("init", ("a.py", "a = 1\n"))
    repo.git("-c", "user.name=Ada Lovelace", "commit", "-q", "--allow-empty", "--author=Ada Lovelace <ada@example.com>",
             "--date=2026-11-30T09:15:00+02:00", "-m", "feat: an empty change")  # fmt: skip
    res = stepper("report", "--format", "json", "--offline", cwd=repo.path)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert fits(published(), data)
    assert list(data)[:5] == ["schema_version", "commit", "repo", "author", "date"]
    assert (data["author"], data["date"]) == ("Ada Lovelace", "2026-11-30T09:15:00+02:00")


def test_what_the_schema_refuses_the_lean_check_refuses(repo: GitRepo) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    data = json.loads(stepper("report", "--format", "json", cwd=repo.path).out)
    short_title = {**data, "report": {**data["report"], "title": "short"}}
    no_author = {k: v for k, v in data.items() if k != "author"}
    for bad in (short_title, no_author, {**data, "schema_version": 2}, {**data, "extra": 1}):
        assert not fits(published(), bad)


def test_providers_are_asked_for_the_report_part_of_the_contract() -> None:
    report = published()["properties"]["report"]  # type: ignore[index]
    without_text = {k: v for k, v in report.items() if k != "description"}
    assert report_json_schema() == without_text == contract.REPORT

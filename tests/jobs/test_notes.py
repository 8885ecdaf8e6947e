"""Reports in git notes: written by `report --notes` and by the worker, shown by git log, read back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from stepper_cli import api
from stepper_cli.git import notes
from stepper_cli.jobs.after import after_job
from stepper_cli.store import remove_local_store
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.commit("init", ("src/a.py", "def f():\n    return 1\n"))
    repo.commit("feat: add a test", ("tests/test_a.py", "def test_f():\n    assert f() == 1\n"))
    return repo


def test_report_notes_is_shown_by_git_log(project: GitRepo) -> None:
    res = stepper("report", "--notes", "--format", "json", "--repo", str(project.path))
    assert res.code == 0, res.err
    title = json.loads(res.out)["report"]["title"]
    shown = project.git("log", "-1", "--notes=stepper")
    assert "Notes (stepper):" in shown and f"# {title}" in shown and "## Changes" in shown
    assert project.git("notes", "--ref", "refs/notes/stepper", "list", "HEAD")


def test_a_note_reads_back_as_the_same_result(project: GitRepo) -> None:
    ctx = api.open_context(project.path)
    result = api.generate_report("HEAD", context=ctx, options=api.ReportOptions(use_cache=False))
    tricky = result.model_copy(update={"report": result.report.model_copy(
        update={"summary": result.report.summary + " Beware of --> and <!-- in text."})})  # fmt: skip
    notes.write_note(ctx.repo, tricky)
    back = notes.read_note(ctx.repo, project.head())
    assert back is not None and back.cached is True
    assert back.model_copy(update={"cached": tricky.cached}) == tricky


def test_report_reads_a_note_back_when_the_cache_is_empty(project: GitRepo) -> None:
    first = stepper("report", "--notes", "--format", "json", "--repo", str(project.path))
    assert remove_local_store()
    again = stepper("report", "--format", "json", "--repo", str(project.path))
    before, after = json.loads(first.out), json.loads(again.out)
    assert after["cached"] is True and after["report"] == before["report"] and after["commit"] == before["commit"]


def test_notes_that_stepper_did_not_write_are_ignored(project: GitRepo) -> None:
    project.git("notes", "--ref", "refs/notes/stepper", "add", "-m", "just a human note", "HEAD")
    ctx = api.open_context(project.path)
    assert notes.read_note(ctx.repo, project.head()) is None
    res = stepper("report", "--format", "json", "--repo", str(project.path))
    assert res.code == 0 and json.loads(res.out)["cached"] is False


def test_the_worker_writes_notes_to_the_configured_ref(project: GitRepo, tmp_path: Path) -> None:
    out = tmp_path / "notified.json"
    ctx = api.open_context(project.path, {"notes": {"worker": True, "ref": "refs/notes/custom"},
                                          "notify": {"command": f"cat > '{out}'"}})  # fmt: skip
    result = api.generate_report("HEAD", context=ctx).to_json()
    job = {"job_id": "j1", "state": "done", "commit": project.head(), "repo": "repo", "key": "k"}
    after_job(ctx, job, result)
    assert "Notes (custom):" in project.git("log", "-1", "--notes=custom")
    assert json.loads(out.read_text())["result"]["commit"] == project.head()


def test_a_note_that_cannot_be_written_is_logged_not_raised(project: GitRepo) -> None:
    locked = project.path / ".git/refs/notes/stepper.lock"  # another git holding the notes ref, forever
    locked.parent.mkdir(parents=True, exist_ok=True)
    locked.write_text("")
    ctx = api.open_context(project.path, {"notes": {"worker": True}})
    result = api.generate_report("HEAD", context=ctx).to_json()
    after_job(ctx, {"job_id": "j2", "state": "done", "commit": project.head()}, result)
    log = Path(os.environ["STEPPER_HOME"]) / "notes.log"
    assert f"note for {project.head()[:12]} failed" in log.read_text()

"""The library API: `from stepper_cli import …` gives what the CLI gives, through the same code path."""

from __future__ import annotations

import json

import pytest

import stepper_cli
from stepper_cli import api, enqueue_report, events, generate_report, get_job
from stepper_cli.errors import GitError, JobError
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo

VOLATILE = ("timings",)


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.commit("init", ("src/a.py", "def f():\n    return 1\n"))
    repo.commit("fix: return two", ("src/a.py", "def f():\n    return 2\n"))
    return repo


def test_the_documented_names_are_exported() -> None:
    documented = {"generate_report", "enqueue_report", "get_job", "ReportOptions", "StepperError"}
    assert documented <= set(stepper_cli.__all__)
    with pytest.raises(AttributeError):
        _ = stepper_cli.no_such_name  # type: ignore[attr-defined]


def test_generate_report_returns_what_the_cli_prints(project: GitRepo) -> None:
    result = generate_report("HEAD", repo=project.path, options=stepper_cli.ReportOptions(use_cache=False))
    cli = json.loads(stepper("report", "--no-cache", "--format", "json", "--repo", str(project.path)).out)
    mine = result.to_json()
    for key in VOLATILE:
        mine.pop(key), cli.pop(key)
    assert mine == cli and result.commit == project.head() and result.report.title


def test_library_errors_are_exceptions_with_exit_codes(project: GitRepo) -> None:
    with pytest.raises(GitError) as caught:
        generate_report("no-such-rev", repo=project.path)
    assert caught.value.exit_code == 3 and "no-such-rev" in caught.value.message
    with pytest.raises(JobError):
        get_job("0000000000000000", repo=project.path)


def test_enqueue_report_and_get_job(project: GitRepo) -> None:
    [queued] = enqueue_report("HEAD", repo=project.path)
    assert queued.status == "queued" and queued.commit == project.head() and queued.job_id
    job = get_job(queued.job_id, repo=project.path)
    assert job.state == "queued" and job.to_json()["commit"] == project.head()
    [again] = enqueue_report("HEAD", repo=project.path)
    assert again.status == "duplicate" and again.job_id == queued.job_id
    cli = json.loads(stepper("status", queued.job_id, "--json", "--repo", str(project.path)).out)
    assert cli["job_id"] == queued.job_id and cli["state"] == "queued"


def test_event_listeners_see_the_chain(project: GitRepo) -> None:
    seen: list[events.Event] = []
    unsubscribe = events.subscribe(seen.append)
    try:
        ctx = api.open_context(project.path, {"providers": [
            {"name": "nokey", "kind": "openai", "api_key_env": "STEPPER_TEST_UNSET_API_KEY"}]})  # fmt: skip
        result = generate_report("HEAD", context=ctx, options=stepper_cli.ReportOptions(use_cache=False))
    finally:
        unsubscribe()
    assert result.fallback is True and result.provider == "local"
    kinds = [type(e).__name__ for e in seen]
    assert kinds[0] == "ChainStarted" and kinds[-1] == "FellBack" and "ProviderAttempted" in kinds
    attempted = next(e for e in seen if isinstance(e, events.ProviderAttempted))
    assert attempted.provider == "nokey" and attempted.outcome == "skipped"

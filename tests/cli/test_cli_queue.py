"""`stepper enqueue` and `stepper status` from the command line: outputs, exit codes, and the lean hook path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stepper_cli import api
from stepper_cli.cli.lean.args import parse
from stepper_cli.jobs.ledger import Ledger
from stepper_cli.store import open_store
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo


@pytest.fixture
def three(repo: GitRepo) -> GitRepo:
    repo.commit("init", ("base.txt", "base\n"))
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    repo.commit("feat: b", ("b.py", "b = 1\n"))
    return repo


def test_quiet_prints_the_job_id_or_nothing(three: GitRepo) -> None:
    first = stepper("enqueue", "--quiet", cwd=three.path)
    assert first.code == 0 and len(first.out.strip()) == 16
    assert stepper("enqueue", "-q", cwd=three.path).out.strip() == first.out.strip()  # the duplicate's id
    stepper("report", cwd=three.path)
    assert stepper("enqueue", "-q", cwd=three.path).out == ""  # cached: no job


def test_a_range_gives_a_json_array_oldest_first(three: GitRepo) -> None:
    out = stepper("enqueue", "HEAD~2..HEAD", "--json", cwd=three.path)
    data = json.loads(out.out)
    assert [d["commit"] for d in data] == [three.git("rev-parse", "HEAD~1"), three.head()]
    assert all(set(d) == {"status", "job_id", "commit", "cache_key"} for d in data)
    text = stepper("enqueue", "HEAD~2..HEAD", cwd=three.path).out.splitlines()
    assert [line.split()[0] for line in text] == ["duplicate", "duplicate"]


def test_priority_is_recorded_on_the_job(three: GitRepo) -> None:
    job_id = json.loads(stepper("enqueue", "--priority", "7", "--json", cwd=three.path).out)["job_id"]
    with open_store("") as store:
        assert Ledger(store).get(job_id)["priority"] == 7  # type: ignore[index]


def test_the_table_parser_reads_what_typer_declares_and_leaves_the_rest_to_typer(three: GitRepo) -> None:
    args = parse("enqueue", ["HEAD~1", "--repo=x", "--priority", "-3", "-q"])
    assert args is not None and (args["rev"], args["repo"], args["priority"], args["quiet"]) == (
        "HEAD~1",
        Path("x"),
        -3,
        True,
    )
    assert parse("enqueue", ["-qv"]) is None and parse("enqueue", ["a", "b"]) is None
    assert parse("enqueue", ["--priority", "high"]) is None
    assert "Queue the report" in stepper("enqueue", "--help", cwd=three.path).out
    assert stepper("enqueue", "--no-such-flag", cwd=three.path).code == 2
    assert stepper("enqueue", "--priority", "high", cwd=three.path).code == 2


def test_the_hook_path_imports_no_typer_rich_pydantic_httpx_or_huey(three: GitRepo) -> None:
    stepper("enqueue", cwd=three.path)  # the queue file and the settings snapshot exist from here on
    code = (
        "import sys; from stepper_cli.cli.main import _run; _run(['enqueue', '--quiet'], False);"
        "heavy = {'typer', 'rich', 'pydantic', 'pydantic_settings', 'httpx', 'huey', 'redis'};"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=three.path, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_config_change_reaches_the_hook_path(three: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def key() -> str:
        return str(json.loads(stepper("enqueue", "--json", cwd=three.path).out)["cache_key"])

    local_only = key()
    config = tmp_path / "c.toml"
    config.write_text('[[providers]]\nname = "p"\nkind = "ollama"\nprompt = "simple"\n')
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    simple = key()
    config.write_text('[[providers]]\nname = "p"\nkind = "ollama"\nprompt = "comprehensive"\n')
    comprehensive = key()
    assert len({local_only, simple, comprehensive}) == 3
    ctx = api.open_context(three.path)  # `report` and `enqueue` agree on the key
    assert api.report_cache(ctx).key(three.head()) == comprehensive
    ctx.close()


def test_a_queue_url_with_a_password_is_never_snapshotted(
    three: GitRepo, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEPPER_QUEUE__URL", "redis://:hunter2@127.0.0.1:9/0")
    assert stepper("enqueue", cwd=three.path).code == 7  # nothing listens there
    snapshots = isolated_env / "snapshots"
    assert not any("hunter2" in p.read_text() for p in snapshots.glob("*.json")) if snapshots.exists() else True


def test_a_notify_webhook_never_reaches_a_snapshot_and_the_settings_still_apply(
    three: GitRepo, isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webhook URL's path is its credential (`config show` masks it): the snapshot keeps what enqueue needs,
    and a report loads the configuration from its files instead of from the snapshot."""
    config = tmp_path / "team.toml"
    config.write_text('[notify]\nwebhook = "https://hooks.slack.com/services/T0AAA/B0BBB/s3cr3tT0ken"\n'
                      "[cache]\nstale_seconds = 7\n")  # fmt: skip
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    assert stepper("enqueue", "HEAD~1", cwd=three.path).code == 0
    assert stepper("report", "--offline", "--format", "json", cwd=three.path).code == 0
    snapshots = list((isolated_env / "snapshots").glob("*.json"))
    assert snapshots and not any("s3cr3t" in p.read_text() for p in snapshots)
    entry = json.loads(snapshots[0].read_text())["entries"][0]
    assert entry["policy"]["stale_seconds"] == 7 and "settings" not in entry
    assert stepper("enqueue", "HEAD~2", cwd=three.path).code == 0  # from the snapshot


def test_status_lists_counts_and_recent_jobs(three: GitRepo) -> None:
    stepper("enqueue", "HEAD~2..HEAD", cwd=three.path)
    listed = json.loads(stepper("status", "--json", cwd=three.path).out)
    assert listed["counts"]["queued"] == 2 and len(listed["jobs"]) == 2
    assert len(json.loads(stepper("status", "--json", "--limit", "1", cwd=three.path).out)["jobs"]) == 1
    text = stepper("status", cwd=three.path).out
    assert "queued 2" in text and three.head()[:12] in text


def test_status_finds_a_job_by_commit(three: GitRepo) -> None:
    job_id = json.loads(stepper("enqueue", "HEAD~1", "--json", cwd=three.path).out)["job_id"]
    found = json.loads(stepper("status", "--commit", "HEAD~1", "--json", cwd=three.path).out)
    assert found["job_id"] == job_id
    missing = stepper("status", "--commit", "HEAD", cwd=three.path)
    assert missing.code == 6 and "no job or report for commit" in missing.err


def test_status_of_a_commit_with_a_cached_report_and_no_job_is_done(three: GitRepo) -> None:
    stepper("report", cwd=three.path)
    assert stepper("enqueue", "--quiet", cwd=three.path).out == ""  # cached: no job id to follow
    for args in (["--commit", "HEAD"], [""]):  # `stepper status "$(stepper enqueue -q)"` works either way
        out = stepper("status", *args, "--wait", "--json", cwd=three.path)
        data = json.loads(out.out)
        assert out.code == 0 and (data["job_id"], data["state"]) == (None, "done")
        assert data["result"]["commit"] == three.head() and data["result"]["cached"] is True
    assert "a cached report" in stepper("status", "--commit", "HEAD", cwd=three.path).out


def test_an_unknown_job_exits_6_with_a_sentence(three: GitRepo) -> None:
    out = stepper("status", "nope", cwd=three.path)
    assert out.code == 6 and "There is no job 'nope'." in out.err and "Traceback" not in out.err


def test_a_failed_job_is_shown_and_exits_6(three: GitRepo) -> None:
    job_id = json.loads(stepper("enqueue", "--json", cwd=three.path).out)["job_id"]
    with open_store("") as store:
        ledger = Ledger(store)
        ledger.claim(job_id, "w1", 60)
        ledger.fail(job_id, "git cat-file failed: bad object")
    out = stepper("status", job_id, cwd=three.path)
    assert out.code == 6 and "failed" in out.out and "bad object" in out.err

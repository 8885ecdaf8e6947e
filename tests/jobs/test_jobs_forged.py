"""Forged jobs: whoever can write the store or the queue (a team's Redis) plants a job record and its message;
a real `stepper worker --burst` marks it failed with a reason and never runs git on it or asks a provider."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stepper_cli.jobs import transport as queue
from stepper_cli.jobs.checks import JobGate
from stepper_cli.jobs.ledger import JOB_PREFIX, Ledger
from stepper_cli.jobs.registry import register, registered, registry_file
from stepper_cli.store import open_store
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer
from tests.support.queuekit import create_job, finish, jobs, provider_config, start_worker

KEY = "0123456789abcdef" * 2  # the shape of a cache key
PRECIOUS = "the victim's own content\n"


@pytest.fixture(params=["files", pytest.param("redis", marks=pytest.mark.redis)])
def queue_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The local SQLite queue and files store, then a real redis-server holding both."""
    url = "" if request.param == "files" else request.getfixturevalue("redis_server").url
    if url:
        monkeypatch.setenv("STEPPER_QUEUE__URL", url)
        with open_store(url) as store:
            store.clear()
    yield url


def plant(url: str, commit: Any, repo_path: Any, **fields: Any) -> str:
    """Write a job record as an attacker would (any fields) and put its message on the queue."""
    with open_store(url) as store:
        job = create_job(Ledger(store), KEY, commit, "victim", repo_path)
        if fields:
            store.put(JOB_PREFIX + job["job_id"], {**job, **fields})
    queue.push(url, job["job_id"])
    return str(job["job_id"])


def run_burst(repo: GitRepo) -> str:
    code, _, err = finish(start_worker("--burst", "--verbose", cwd=repo.path))
    assert code == 0 and "Traceback" not in err, err
    return err


def by_id(url: str) -> dict[str, dict[str, Any]]:
    return {job["job_id"]: job for job in jobs(url)}


def test_a_queued_commit_that_is_a_git_option_never_reaches_git(repo: GitRepo, tmp_path: Path, queue_url: str) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    enqueued = stepper("enqueue", "--json", cwd=repo.path)  # registers the repository, as a user's enqueue does
    assert enqueued.code == 0, enqueued.err
    victim = tmp_path / "x" / "victim"
    victim.parent.mkdir()
    victim.write_text(PRECIOUS)
    root = repo.git("rev-parse", "--show-toplevel")
    forged = {
        commit: plant(queue_url, commit, root)
        for commit in (f"--output={victim}", "--output=/tmp/x/victim", "HEAD", "^" + sha, sha[:12], sha.upper())
    }
    run_burst(repo)
    assert victim.read_text() == PRECIOUS
    found = by_id(queue_url)
    for commit, job_id in forged.items():
        assert found[job_id]["state"] == "failed", commit
        assert "refused: its commit" in found[job_id]["error"] and "not a full hex object id" in found[job_id]["error"]
    legit = [job for job in found.values() if job["commit"] == sha]
    assert [job["state"] for job in legit] == ["done"]


def test_forged_jobs_outside_registered_repositories_never_reach_the_trusted_provider(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider_server: ProviderServer, queue_url: str
) -> None:
    monkeypatch.setenv("STEPPER_CONFIG", str(provider_config(tmp_path / "config.toml", f"{provider_server.url}/v1")))
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    home_repo = GitRepo.init(Path(os.environ["HOME"]) / "secret")  # what "~/secret" names for this user
    secret = home_repo.commit("feat: secret", ("key.py", "TOKEN = 'hunter2'\n"))
    plain = tmp_path / "plain"
    plain.mkdir()
    register(plain)  # registered once, no longer a repository
    forged = {
        "unregistered": plant(queue_url, secret, str(home_repo.path)),
        "home-relative": plant(queue_url, secret, "~/secret"),
        "relative": plant(queue_url, secret, "secret"),
        "dot-dot": plant(queue_url, secret, f"{repo.path}/../{home_repo.path.relative_to(tmp_path)}"),
        "newline": plant(queue_url, secret, f"{home_repo.path}\n"),
        "not-text": plant(queue_url, secret, ["/", "etc"]),
        "not-a-repo": plant(queue_url, secret, str(plain)),
    }
    run_burst(repo)
    assert provider_server.requests == []
    found = by_id(queue_url)
    for name, job_id in forged.items():
        assert found[job_id]["state"] == "failed" and found[job_id]["error"], name
    assert "never registered on this machine" in found[forged["unregistered"]]["error"]
    assert "is not absolute" in found[forged["home-relative"]]["error"]
    assert "is not normalised" in found[forged["dot-dot"]]["error"]
    assert "control characters" in found[forged["newline"]]["error"]
    assert "not inside a git repository" in found[forged["not-a-repo"]]["error"]
    assert stepper("enqueue", cwd=repo.path).code == 0  # and the same worker serves a registered repository
    run_burst(repo)
    assert len(provider_server.requests) == 1


def test_records_not_shaped_like_jobs_neither_crash_nor_stall_the_worker(repo: GitRepo, queue_url: str) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    enqueued = stepper("enqueue", "--quiet", cwd=repo.path)
    assert enqueued.code == 0, enqueued.err
    root = repo.git("rev-parse", "--show-toplevel")
    odd = [
        plant(queue_url, sha, root, attempts="many"),
        plant(queue_url, sha, root, key="../../etc"),
        plant(queue_url, sha, root, patch_id="--output=/tmp/x"),
        plant(queue_url, sha, root, lease_until="soon", created_at="yesterday"),
    ]
    with open_store(queue_url) as store:
        store.put(JOB_PREFIX + "bare", {"state": "queued"})
        store.put(JOB_PREFIX + "alias", {**(Ledger(store).get(odd[0]) or {}), "job_id": "someone-else"})
    for job_id in ("bare", "alias"):
        queue.push(queue_url, job_id)
    run_burst(repo)
    found = by_id(queue_url)
    for job_id in [*odd[:3], "bare", "alias"]:
        assert found[job_id]["state"] == "failed" and found[job_id]["error"].startswith("refused: "), job_id
    assert found[enqueued.out.strip()]["state"] == "done"


@pytest.mark.parametrize(
    ("commit", "path", "reason"),
    [
        ("a" * 40, "/srv/repo", None),
        ("b" * 64, "/srv/repo", None),
        ("--output=/tmp/v", "/srv/repo", "not a full hex object id"),
        ("A" * 40, "/srv/repo", "not a full hex object id"),
        ("a" * 41, "/srv/repo", "not a full hex object id"),
        ("a" * 40, "/srv/repo/", "not normalised"),
        ("a" * 40, "/srv/./repo", "not normalised"),
        ("a" * 40, "~/repo", "not absolute"),
        ("a" * 40, "/srv/re\x00po", "control characters"),
        ("a" * 40, "/srv/other", "never registered"),
        (None, "/srv/repo", "field 'commit'"),
    ],
)
def test_the_gate_admits_full_ids_in_registered_repositories_only(
    isolated_env: Path, commit: Any, path: str, reason: str | None
) -> None:
    register("/srv/repo")
    job = {"job_id": "j", "key": KEY, "commit": commit, "repo_path": path, "attempts": 1}
    refusal = JobGate().refusal(job)
    assert refusal is None if reason is None else reason in str(refusal)


def test_a_listed_repository_is_admitted_and_the_registry_is_read_again_when_it_grows(
    isolated_env: Path, tmp_path: Path
) -> None:
    gate = JobGate([str(tmp_path / "team")])
    job = {"key": KEY, "commit": "c" * 40, "attempts": 0}
    assert gate.refusal({**job, "repo_path": str(tmp_path / "team")}) is None
    assert gate.refusal({**job, "repo_path": "/srv/late"}) is not None
    register("/srv/late")
    register("/srv/late")
    assert gate.refusal({**job, "repo_path": "/srv/late"}) is None
    assert registered() == {"/srv/late"} and registry_file().stat().st_mode & 0o777 == 0o600


def test_a_symlinked_registry_is_refused_not_followed(isolated_env: Path, tmp_path: Path) -> None:
    from stepper_cli.errors import StorageError

    elsewhere = tmp_path / "elsewhere.jsonl"
    elsewhere.write_text('"/srv/forged"\n')
    registry_file().symlink_to(elsewhere)
    with pytest.raises(StorageError, match="symbolic link"):
        registered()
    with pytest.raises(StorageError, match="symbolic link"):
        register("/srv/repo")
    assert elsewhere.read_text() == '"/srv/forged"\n'


def test_queue_repositories_counts_from_the_users_config_only_even_from_a_trusted_repository_file(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    team = GitRepo.init(tmp_path / "team")
    sha = team.commit("feat: team", ("t.py", "t = 1\n"))
    root = team.git("rev-parse", "--show-toplevel")
    (repo.path / ".stepper.toml").write_text(f"[queue]\nrepositories = [{root!r}]\n".replace("'", '"'))
    trusted = stepper("config", "trust", "--yes", "--repo", str(repo.path))
    assert trusted.code == 0, trusted.err
    widened = plant("", sha, root)
    run_burst(repo)
    assert "never registered" in by_id("")[widened]["error"]
    user = tmp_path / "user-config.toml"
    user.write_text(f"[queue]\nrepositories = [{root!r}]\n".replace("'", '"'))
    monkeypatch.setenv("STEPPER_CONFIG", str(user))
    listed = plant("", sha, root)
    run_burst(repo)
    assert by_id("")[listed]["state"] == "done"

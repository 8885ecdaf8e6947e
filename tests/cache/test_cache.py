"""The report cache: keys, freshness, pending/ready/failed entries, and reuse across rebases by patch-id."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stepper_cli.cache.admin import clear, stats
from stepper_cli.cache.reports import REPORT_PREFIX, CachePolicy, ReportCache, cache_key, detach, patch_id
from stepper_cli.config import settings as settings_module
from stepper_cli.generate.snapshot import REPO_FILE
from stepper_cli.git.commits import open_repo
from stepper_cli.report import model as report_module
from stepper_cli.store import Store, open_store
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo

POLICY = CachePolicy(ttl_seconds=1000, stale_seconds=100, fallback_stale_seconds=10)
RESULT = {"commit": "x", "provider": "primary", "fallback": False, "report": {"title": "A title"}}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store("", tmp_path) as s:
        yield s


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_cache(store: Store, repo: GitRepo, clock: Clock, templates: str = "t1") -> ReportCache:
    return ReportCache(store, open_repo(repo.path), templates, POLICY, clock)


def attach(cache: ReportCache, sha: str, job_id: str, is_live: Callable[[str], bool]) -> str:
    """Claim the entry for job_id as an enqueue does (one `write_many`); the job that holds it."""
    write, holder = cache.claim(sha, job_id, is_live)
    cache.store.write_many([write])
    return holder()


def test_the_key_changes_with_repo_commit_templates_and_schema() -> None:
    base = cache_key("repo", "a" * 40, "t1")
    assert len({base, cache_key("other", "a" * 40, "t1"), cache_key("repo", "b" * 40, "t1"),
                cache_key("repo", "a" * 40, "t2")}) == 4  # fmt: skip
    assert report_module.SCHEMA_VERSION == 1 and settings_module.REPO_FILE == REPO_FILE


def test_a_result_is_fresh_then_stale_then_gone(store: Store, repo: GitRepo, clock: Clock) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    cache = make_cache(store, repo, clock)
    assert cache.lookup(sha) is None
    cache.write(sha, RESULT, fallback=False)
    hit = cache.lookup(sha)
    assert hit is not None and hit.fresh and hit.result["provider"] == "primary"
    clock.now += 150
    hit = cache.lookup(sha)
    assert hit is not None and not hit.fresh
    clock.now += 1000
    assert cache.lookup(sha) is None


def test_a_fallback_result_goes_stale_sooner(store: Store, repo: GitRepo, clock: Clock) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    cache = make_cache(store, repo, clock)
    cache.write(sha, {**RESULT, "fallback": True}, fallback=True)
    clock.now += 20
    hit = cache.lookup(sha)
    assert hit is not None and not hit.fresh


def test_reading_a_fresh_hit_never_deletes_it(store: Store, repo: GitRepo, clock: Clock) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    cache = make_cache(store, repo, clock)
    cache.write(sha, RESULT, fallback=False)
    for _ in range(3):
        assert cache.lookup(sha) is not None
    assert cache.entry(sha) is not None and cache.entry(sha)["state"] == "ready"  # type: ignore[index]


def test_one_live_job_holds_a_key_until_it_is_released(store: Store, repo: GitRepo, clock: Clock) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    cache = make_cache(store, repo, clock)
    live = {"job-1"}
    assert attach(cache, sha, "job-1", live.__contains__) == "job-1"
    assert attach(cache, sha, "job-2", live.__contains__) == "job-1"
    assert cache.entry(sha)["state"] == "pending"  # type: ignore[index]
    live.clear()  # job-1 finished or was lost: the key is free again
    assert attach(cache, sha, "job-2", live.__contains__) == "job-2"


def test_a_failed_refresh_keeps_the_stale_result(store: Store, repo: GitRepo, clock: Clock) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    cache = make_cache(store, repo, clock)
    cache.write(sha, RESULT, fallback=False)
    attach(cache, sha, "job-1", lambda _: True)
    detach(store, cache.key(sha), "job-1", error="provider down")
    entry = cache.entry(sha)
    assert entry is not None and entry["state"] == "failed" and entry["error"] == "provider down"
    assert entry["result"]["provider"] == "primary" and "job_id" not in entry


def test_detaching_a_job_that_never_ran_removes_an_empty_entry(store: Store, repo: GitRepo, clock: Clock) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    cache = make_cache(store, repo, clock)
    attach(cache, sha, "job-1", lambda _: True)
    cache.store.write_many([cache.release(sha, "job-1")])
    assert cache.entry(sha) is None


def test_a_rebased_commit_reuses_the_report_of_the_same_patch(store: Store, repo: GitRepo, clock: Clock) -> None:
    repo.commit("init", ("base.txt", "base\n"))
    repo.git("checkout", "-q", "-b", "topic")
    old = repo.commit("feat: topic", ("topic.py", "x = 1\n"))
    cache = make_cache(store, repo, clock)
    cache.write(old, {**RESULT, "commit": old}, fallback=False)
    repo.git("checkout", "-q", "main")
    repo.commit("docs: other", ("other.md", "other\n"))
    repo.git("checkout", "-q", "topic")
    repo.git("rebase", "-q", "main")
    new = repo.head()
    assert new != old and patch_id(cache.repo, new) == patch_id(cache.repo, old)
    hit = cache.lookup(new)
    assert hit is not None and hit.fresh and hit.alias and hit.result["commit"] == new
    assert cache.entry(new)["state"] == "ready"  # type: ignore[index]  # copied under the new key


def test_a_changed_patch_does_not_reuse_a_report(store: Store, repo: GitRepo, clock: Clock) -> None:
    old = repo.commit("feat: a", ("a.py", "a = 1\n"))
    cache = make_cache(store, repo, clock)
    cache.write(old, RESULT, fallback=False)
    repo.git("commit", "-q", "--amend", "-m", "feat: a, amended")
    assert cache.lookup(repo.head()) is not None  # same patch, new message
    repo.write("a.py", "a = 2\n")
    repo.git("commit", "-q", "-a", "--amend", "-m", "feat: a, changed")
    assert cache.lookup(repo.head()) is None


def test_stats_count_entries_and_clear_removes_them(store: Store, repo: GitRepo, clock: Clock) -> None:
    a = repo.commit("feat: a", ("a.py", "a = 1\n"))
    b = repo.commit("feat: b", ("b.py", "b = 1\n"))
    cache = make_cache(store, repo, clock)
    cache.write(a, RESULT, fallback=True)
    attach(cache, b, "job-1", lambda _: True)
    found = stats(store, POLICY, clock.now)
    assert (found.entries, found.fresh, found.pending, found.fallback, found.aliases) == (2, 1, 1, 1, 1)
    assert clear(store) == 2 and list(store.scan(REPORT_PREFIX)) == []


def test_report_reads_the_cache_first_and_honours_no_cache_and_refresh(repo: GitRepo) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    first = json.loads(stepper("report", "--format", "json", cwd=repo.path).out)
    second = json.loads(stepper("report", "--format", "json", cwd=repo.path).out)
    assert first["cached"] is False and second["cached"] is True and second["report"] == first["report"]
    assert json.loads(stepper("report", "--format", "json", "--no-cache", cwd=repo.path).out)["cached"] is False
    assert json.loads(stepper("report", "--format", "json", "--refresh", cwd=repo.path).out)["cached"] is False
    assert json.loads(stepper("report", "--format", "json", cwd=repo.path).out)["cached"] is True


def test_changing_the_prompt_template_changes_the_key(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    assert stepper("report", "--format", "json", cwd=repo.path).code == 0
    config = tmp_path / "c.toml"
    config.write_text('[[providers]]\nname = "p"\nkind = "ollama"\nenabled = true\nprompt = "simple"\n'
                      'base_url = "http://127.0.0.1:9"\ntimeout_seconds = 0.2\n')  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STEPPER_CONFIG", str(config))
        again = json.loads(stepper("report", "--format", "json", cwd=repo.path).out)
    assert again["cached"] is False


def test_a_cached_fallback_is_not_served_under_no_fallback(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.provider_server import refused_url

    repo.commit("feat: a", ("a.py", "a = 1\n"))
    config = tmp_path / "c.toml"
    config.write_text(
        f'[retry]\nmax_attempts = 1\n[[providers]]\nname = "p"\nkind = "ollama"\nbase_url = "{refused_url()}"\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    first = json.loads(stepper("report", "--format", "json", cwd=repo.path).out)
    assert first["fallback"] is True
    assert json.loads(stepper("report", "--format", "json", cwd=repo.path).out)["cached"] is True
    assert stepper("report", "--no-fallback", cwd=repo.path).code == 5

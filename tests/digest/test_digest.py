"""`stepper digest A..B`: one document for a range, from per-commit reports, cached by the range's content."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from stepper_cli.git.web import web_base
from stepper_cli.store import open_store
from tests.resilience.test_chain_cli import write_config
from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))


@pytest.fixture
def history(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> tuple[GitRepo, list[str]]:
    """Five commits by two authors: a feature, a fix, a breaking change, a dependency bump, docs."""
    shas = [repo.commit("chore: start", ("README.md", "# demo\n"))]
    shas.append(
        repo.commit("feat(cli): add a --json flag to status", ("src/status.py", "def status():\n    return 1\n"))
    )
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Grace Hopper")
    shas.append(repo.commit("fix: handle an empty queue\n\nIt crashed.", ("src/queue.py", "Q = []\n")))
    shas.append(repo.commit("feat!: drop Python 3.9", ("pyproject.toml", 'requires-python = ">=3.10"\n')))
    shas.append(repo.commit("build(deps): bump httpx from 0.27.0 to 0.28.1", ("requirements.txt", "httpx==0.28.1\n")))
    shas.append(repo.commit("docs: explain the digest", ("docs/digest.md", "# Digest\n")))
    repo.git("remote", "add", "origin", "git@github.com:example/demo.git")
    return repo, shas


def digest(repo: GitRepo, *args: str) -> dict:  # type: ignore[type-arg]
    res = stepper("digest", *args, "--format", "json", cwd=repo.path)
    assert res.code == 0, res.err
    data: dict = json.loads(res.out)  # type: ignore[type-arg]
    return data


def test_the_local_digest_groups_by_kind_with_breaking_changes_first(history: tuple[GitRepo, list[str]]) -> None:
    repo, shas = history
    data = digest(repo, "HEAD~5..HEAD", "--offline")
    assert (data["schema_version"], data["kind"], data["provider"]) == (1, "digest", "local")
    assert data["range"] == "HEAD~5..HEAD"
    assert [c["commit"] for c in data["commits"]] == shas[1:]
    body = data["digest"]
    assert body["breaking"] == [{"text": "drop Python 3.9", "commits": [shas[3]]}]
    kinds = [s["kind"] for s in body["sections"]]
    assert kinds == ["feat", "fix", "deps", "docs"]
    deps = next(s for s in body["sections"] if s["kind"] == "deps")
    assert deps["items"] == [{"text": "httpx 0.27.0 → 0.28.1", "commits": [shas[4]]}]
    assert body["authors"] == ["Grace Hopper", "Ada Tester"]
    assert data["commits"][0]["url"] == f"https://github.com/example/demo/commit/{shas[1]}"
    assert data["commits"][1]["author"] == "Grace Hopper" and data["commits"][1]["date"][:4].isdigit()
    assert data["fallback"] is False and data["cached"] is False and data["requests"] == 0


def test_markdown_opens_with_the_overview_and_links_each_line_to_its_commit(
    history: tuple[GitRepo, list[str]], tmp_path: Path
) -> None:
    repo, shas = history
    out = tmp_path / "digest.md"
    res = stepper("digest", "HEAD~5..HEAD", "--offline", "--format", "markdown", "--output", str(out), cwd=repo.path)
    assert res.code == 0, res.err
    text = out.read_text()
    assert text.startswith("# 5 commits in HEAD~5..HEAD\n")
    assert text.index("## Breaking changes") < text.index("## Features") < text.index("## Fixes")
    assert f"- drop Python 3.9 ([`{shas[3][:7]}`](https://github.com/example/demo/commit/{shas[3]}))" in text
    assert "| commit | type | title | author | date | report |" in text
    plain = stepper("digest", "HEAD~5..HEAD", "--offline", cwd=repo.path)
    assert "Breaking changes:\n  ! drop Python 3.9" in plain.out and "Authors: Grace Hopper, Ada Tester" in plain.out


def test_a_second_run_is_served_from_the_cache(history: tuple[GitRepo, list[str]]) -> None:
    repo, _ = history
    first = digest(repo, "HEAD~5..HEAD")
    again = digest(repo, "HEAD~5..HEAD")
    assert (first["cached"], again["cached"]) == (False, True)
    assert again["digest"] == first["digest"]
    refreshed = digest(repo, "HEAD~5..HEAD", "--refresh")
    assert refreshed["cached"] is False and refreshed["reports_from_cache"] == 5


def test_a_rebased_range_with_identical_patches_reuses_the_commit_reports(
    history: tuple[GitRepo, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, shas = history
    digest(repo, "HEAD~5..HEAD")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2030-01-01T00:00:00+00:00")
    repo.git("rebase", "-q", "--force-rebase", "HEAD~5")
    assert repo.head() != shas[-1]
    after = digest(repo, "HEAD~5..HEAD")
    assert after["cached"] is False  # a new range of commits...
    assert after["reports_from_cache"] == 5  # ...whose reports were reused through patch-id


def test_a_forged_cache_record_is_ignored_and_written_again(history: tuple[GitRepo, list[str]]) -> None:
    repo, _ = history
    digest(repo, "HEAD~2..HEAD")
    with open_store("") as store:
        keys = [k for k, _ in store.scan("digest:")]
        assert len(keys) == 1
        store.put(keys[0], {"schema_version": 1, "digest": {"title": 7}, "provider": "primary"})
    data = digest(repo, "HEAD~2..HEAD")
    assert data["cached"] is False and data["provider"] == "local"


def test_a_provider_writes_the_digest_in_one_extra_request(
    history: tuple[GitRepo, list[str]], server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = history
    write_config(tmp_path, monkeypatch, ("primary", server.url))
    data = digest(repo, "HEAD~3..HEAD")
    assert len(server.requests) == 3 + 1  # three commit reports, then the digest
    assert (data["provider"], data["fallback"], data["requests"]) == ("primary", False, 1)
    assert [a["outcome"] for a in data["attempts"]] == ["ok"]
    last = json.loads(server.requests[-1].body)
    sent = " ".join(m["content"] for m in last["messages"])
    assert "per-commit reports" in sent and "diff --git" not in sent
    assert data["digest"]["sections"] and data["digest"]["overview"]
    before = len(server.requests)
    assert digest(repo, "HEAD~3..HEAD")["cached"] is True
    assert len(server.requests) == before  # a CI re-run costs nothing


def test_a_large_range_is_summarised_in_a_bounded_few_stages(
    repo: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(12):
        repo.commit(f"feat: add feature number {i} " + "with a long subject " * 4, (f"src/f{i}.py", f"X = {i}\n"))
    write_config(tmp_path, monkeypatch, ("primary", server.url))
    monkeypatch.setenv("STEPPER_EVIDENCE__MAX_DIFF_BYTES", "1024")
    data = digest(repo, "HEAD~10..HEAD")
    assert 2 < data["requests"] < 10  # in stages, yet fewer requests than commits
    assert len(server.requests) == 10 + data["requests"]
    assert data["provider"] == "primary"


def test_a_failing_provider_falls_back_to_the_local_digest(
    history: tuple[GitRepo, list[str]], server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = history
    write_config(tmp_path, monkeypatch, ("down", server.scenario_url("401")))
    data = digest(repo, "HEAD~2..HEAD", "--no-cache")
    assert (data["provider"], data["fallback"]) == ("local", True)
    assert data["attempts"] and {a["provider"] for a in data["attempts"]} == {"down"}
    assert all(a["outcome"] != "ok" for a in data["attempts"])
    strict = stepper("digest", "HEAD~2..HEAD", "--no-cache", "--no-fallback", cwd=repo.path)
    assert strict.code == 5 and "Traceback" not in strict.err


def test_a_bad_range_is_a_git_error_not_a_traceback(history: tuple[GitRepo, list[str]]) -> None:
    repo, _ = history
    res = stepper_process("digest", "nope..HEAD", "--offline", cwd=repo.path)
    assert res.code == 3 and "Traceback" not in res.err and res.err.strip()


@pytest.mark.parametrize(
    ("remote", "base"),
    [
        ("git@github.com:o/r.git", "https://github.com/o/r/commit/"),
        ("https://user:tok@gitlab.com/group/sub/r.git", "https://gitlab.com/group/sub/r/commit/"),
        ("ssh://git@codeberg.org:22/o/r", "https://codeberg.org/o/r/commit/"),
        ('https://evil.example/o/r"><script>', None),
        ("/srv/git/r.git", None),
        ("https://evil.example/../../etc", None),
    ],
)
def test_commit_links_come_only_from_plain_remote_urls(remote: str, base: str | None) -> None:
    assert web_base(remote) == base


def test_the_published_digest_schema_is_fresh() -> None:
    from gen_digest_schema import TARGET, schema_text  # type: ignore[import-not-found]

    assert TARGET.read_text("utf-8") == schema_text(), "run: python scripts/gen_digest_schema.py"

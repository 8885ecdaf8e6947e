"""`stepper report --dry-run`: exactly what would be sent, its size, the chain order; nothing is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer


@pytest.fixture
def committed(repo: GitRepo) -> GitRepo:
    repo.commit(
        "feat: add settings",
        ("src/settings.py", 'DB_PASSWORD = "correct-horse-battery"\nTIMEOUT = 30\n'),
        ("yarn.lock", "left-pad@1.3.0:\n  integrity sha512-excluded-by-default\n"),
    )
    return repo


def configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: ProviderServer) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[providers]]\nname = "fast"\nkind = "openai"\nbase_url = "{server.url}/v1"\nmodel = "m1"\n'
        'api_key_env = ""\nprompt = "simple"\n'
        f'[[providers]]\nname = "cloud"\nkind = "anthropic"\nbase_url = "{server.url}"\napi_key_env = "NO_SUCH_KEY"\n'
        f'[[providers]]\nname = "off"\nkind = "openai"\nbase_url = "{server.url}/v1"\nenabled = false\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))


def test_dry_run_prints_the_redacted_prompt_and_sends_nothing(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    configure(tmp_path, monkeypatch, server)
    res = stepper("report", "--dry-run", cwd=committed.path)
    assert res.code == 0, res.err
    assert server.requests == [] and not isolated_env.exists()  # no request, no store, no cache
    assert "nothing was sent" in res.out
    assert "Chain: fast (openai m1 at" in res.out and "cloud (anthropic" in res.out and "skipped: no_key" in res.out
    assert res.out.index("fast (") < res.out.index("cloud (") < res.out.index("→ local")
    assert "off" not in res.out.split("\n")[1]  # disabled: not in the chain
    assert "correct-horse-battery" not in res.out and "[REDACTED" in res.out and "TIMEOUT = 30" in res.out
    assert "excluded-by-default" not in res.out  # the lock file is left out
    assert "prompt 'simple' for fast:" in res.out and "~" in res.out and "tokens" in res.out


def test_dry_run_json_gives_sizes_and_a_token_estimate(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(tmp_path, monkeypatch, server)
    res = stepper("report", "--dry-run", "--format", "json", cwd=committed.path)
    data = json.loads(res.out)
    assert data["chain"] == ["fast", "cloud", "local"] and data["sends"] is True
    assert [p["skip"] for p in data["providers"]] == [None, "no_key"]
    (prompt,) = data["prompts"]
    assert prompt["template"] == "simple" and prompt["providers"] == ["fast"]
    size = len((prompt["system"] + prompt["user"]).encode())
    assert prompt["bytes"] == size and prompt["tokens"] == -(-size // 4)
    assert data["redactions"] >= 1 and data["commit"] == committed.head()
    assert server.requests == []


def test_with_no_provider_only_local_would_run(committed: GitRepo) -> None:
    res = stepper("report", "--dry-run", cwd=committed.path)
    assert res.code == 0
    assert "Chain: local only (nothing would leave this machine)" in res.out


def test_offline_and_provider_flags_shape_the_dry_run(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(tmp_path, monkeypatch, server)
    offline = json.loads(stepper("report", "--dry-run", "--offline", "--format", "json", cwd=committed.path).out)
    assert offline["chain"] == ["local"] and offline["sends"] is False
    named = json.loads(
        stepper("report", "--dry-run", "--provider", "cloud", "--format", "json", cwd=committed.path).out
    )
    assert named["chain"] == ["cloud", "local"] and named["sends"] is False
    assert stepper("report", "--dry-run", "--provider", "nope", cwd=committed.path).code == 2


def test_dry_run_of_a_range_gives_one_plan_per_commit(committed: GitRepo) -> None:
    committed.commit("docs: readme", ("README.md", "hi\n"))
    res = stepper("report", "HEAD~1..HEAD", "--dry-run", "--format", "json", cwd=committed.path)
    assert [p["commit"] for p in json.loads(res.out)] == [committed.head()]

"""One worker process with concurrency 8 serving two repositories whose trusted configs name different
providers: every request goes to its own repository's provider (settings are per call, per repository)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from stepper_cli.config.trust import digest, trust
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer
from tests.support.queuekit import finish, jobs, start_worker

COMMITS = 12


@pytest.fixture
def servers() -> Iterator[tuple[ProviderServer, ProviderServer]]:
    with ProviderServer(scenario="latency:50") as a, ProviderServer(scenario="latency:50") as b:
        yield a, b


def project(path: Path, name: str, server: ProviderServer) -> tuple[GitRepo, list[str]]:
    """A repository whose trusted .stepper.toml names one provider on `server`, with COMMITS commits."""
    repo = GitRepo.init(path)
    config = repo.path / ".stepper.toml"
    config.write_text(
        "[retry]\nmax_attempts = 1\n"
        f'[[providers]]\nname = "{name}"\nkind = "openai"\nmodel = "{name}-model"\nbase_url = "{server.url}/v1"\n'
        'api_key_env = ""\nrps = 1000\nconcurrency = 32\n'
    )
    trust(config, digest(config.read_bytes()))
    repo.commit("chore: start", ("README", "start\n"))
    shas = [repo.commit(f"feat: {name} {i}", (f"{name}{i}.py", f"x = {i}\n")) for i in range(COMMITS)]
    return repo, shas


def test_one_worker_sends_each_repositorys_jobs_to_its_own_provider(
    tmp_path: Path, servers: tuple[ProviderServer, ProviderServer]
) -> None:
    alpha, alpha_shas = project(tmp_path / "alpha", "alpha", servers[0])
    beta, beta_shas = project(tmp_path / "beta", "beta", servers[1])
    for repo, shas in ((alpha, alpha_shas), (beta, beta_shas)):
        out = stepper("enqueue", "--json", f"{shas[0]}~1..{shas[-1]}", cwd=repo.path)
        assert out.code == 0, out.err
        assert [q["status"] for q in json.loads(out.out)] == ["queued"] * COMMITS
    code, _, err = finish(start_worker("--burst", "--concurrency", "8", cwd=tmp_path), timeout=120)
    assert code == 0, err
    for server, own, other, model in ((servers[0], alpha_shas, beta_shas, "alpha-model"),
                                      (servers[1], beta_shas, alpha_shas, "beta-model")):  # fmt: skip
        bodies = [json.dumps(r.json) for r in server.requests]
        assert len(bodies) == COMMITS
        assert sorted(sha for sha in own if any(sha in body for body in bodies)) == sorted(own)
        assert not [sha for sha in other if any(sha in body for body in bodies)]
        assert {r.json["model"] for r in server.requests} == {model}
    done = {(j["commit"], j["provider"]) for j in jobs() if j["state"] == "done"}
    assert done == {(s, "alpha") for s in alpha_shas} | {(s, "beta") for s in beta_shas}

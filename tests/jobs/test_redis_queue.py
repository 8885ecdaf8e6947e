"""The queue on RedisHuey with the store on Redis: the same enqueue → worker → done flow, on a real redis-server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo
from tests.support.queuekit import finish, jobs, start_worker

if TYPE_CHECKING:
    from tests.support.redis_server import RedisServer

pytest_plugins = ["tests.support.redis_server"]
pytestmark = pytest.mark.redis
DB = 9  # a database of its own on the session's server


@pytest.fixture
def redis_url(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import redis

    url = redis_server.url.rsplit("/", 1)[0] + f"/{DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    monkeypatch.setenv("STEPPER_QUEUE__URL", url)
    yield url
    client.flushdb()
    client.close()


def test_enqueue_then_a_worker_then_done_on_redis(repo: GitRepo, redis_url: str) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    queued = json.loads(stepper_process("enqueue", "--json", cwd=repo.path).out)
    assert queued["status"] == "queued"
    again = json.loads(stepper("enqueue", "--json", cwd=repo.path).out)
    assert again["status"] == "duplicate" and again["job_id"] == queued["job_id"]
    code, _, err = finish(start_worker("--burst", cwd=repo.path))
    assert code == 0 and "1 done" in err
    status = json.loads(stepper("status", queued["job_id"], "--json", cwd=repo.path).out)
    assert status["state"] == "done" and status["result"]["commit"] == sha
    assert json.loads(stepper("enqueue", "--json", cwd=repo.path).out)["status"] == "cached"
    assert [j["state"] for j in jobs(redis_url)] == ["done"]


def test_redis_down_at_enqueue_is_exit_7_with_a_sentence(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.redis_server import free_port

    repo.commit("feat: a", ("a.py", "a = 1\n"))
    monkeypatch.setenv("STEPPER_QUEUE__URL", f"redis://:s3cret@127.0.0.1:{free_port()}/0")
    out = stepper("enqueue", cwd=repo.path)
    assert out.code == 7 and "Cannot reach Redis" in out.err and "s3cret" not in out.err

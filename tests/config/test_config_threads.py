"""Settings loading is pure and per call: threads loading two repositories' settings at once each get their own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stepper_cli.config.load import load_settings
from stepper_cli.config.trust import digest, trust
from tests.support.gitutil import GitRepo

LOADS = 1200
THREADS = 8


def trusted_repo(path: Path, name: str, ttl: int) -> Path:
    repo = GitRepo.init(path)
    config = repo.path / ".stepper.toml"
    config.write_text(f"[cache]\nttl_seconds = {ttl}\n[[providers]]\nname = '{name}'\nkind = 'ollama'\n"
                      f"[notify]\nwebhook = 'https://{name}.example/hook'\n")  # fmt: skip
    trust(config, digest(config.read_bytes()))
    return repo.path


def test_threads_loading_two_repositories_each_get_their_own_settings(tmp_path: Path) -> None:
    repos = {"alpha": (trusted_repo(tmp_path / "a", "alpha", 111), 111),
             "beta": (trusted_repo(tmp_path / "b", "beta", 222), 222)}  # fmt: skip
    plain = GitRepo.init(tmp_path / "plain").path  # no file: defaults

    def load(i: int) -> tuple[str, bool]:
        which = ("alpha", "beta", "plain")[i % 3]
        if which == "plain":
            s = load_settings(plain).settings
            return which, s.providers == [] and s.cache.ttl_seconds == 604800 and s.notify.webhook == ""
        root, ttl = repos[which]
        s = load_settings(root).settings
        own = [p.name for p in s.providers] == [which] and s.cache.ttl_seconds == ttl
        return which, own and s.notify.webhook == f"https://{which}.example/hook"

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(load, range(LOADS)))
    wrong = [which for which, ok in results if not ok]
    assert len(results) == LOADS and wrong == [], f"{len(wrong)} of {LOADS} loads got another's settings"

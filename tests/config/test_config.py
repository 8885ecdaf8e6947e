"""Configuration: layered sources with precedence, provenance, errors naming file and key, trust."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from stepper_cli.config.load import load_settings
from stepper_cli.config.model import hints, nested
from stepper_cli.config.settings import ProviderSettings, Settings, validated
from stepper_cli.config.trust import digest, trust
from stepper_cli.errors import ConfigError
from tests.support.gitutil import GitRepo

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def user_file(tmp_path: Path) -> Path:
    return tmp_path / "user" / ".config" / "stepper" / "config.toml"


def trusted(path: Path, text: str) -> Path:
    """Write a repository file and trust it as `stepper config trust --yes` would."""
    write(path, text)
    trust(path, digest(path.read_bytes()))
    return path


def test_defaults_without_any_file() -> None:
    loaded = load_settings(None)
    assert loaded.settings.cache.ttl_seconds == 604800 and loaded.settings.providers == []
    assert loaded.files == []


def test_the_unvalidated_defaults_are_what_validation_makes_of_nothing(repo: GitRepo) -> None:
    """Nothing configured: load_settings builds the defaults without pydantic; they must be the validated ones."""
    loaded = load_settings(repo.path)
    assert loaded.settings == validated(Settings, {}) and (loaded.files, loaded.sources, loaded.warnings) == (
        [],
        {},
        [],
    )


def test_a_stepper_variable_that_names_no_setting_needs_no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """STEPPER_DEBUG, or the STEPPER_JOB_ID a notify command is given, set no key: the defaults stand as written."""
    import stepper_cli.config.settings as validating

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validated")

    monkeypatch.setenv("STEPPER_DEBUG", "1")
    monkeypatch.setenv("STEPPER_JOB_ID", "0123456789abcdef")
    monkeypatch.setattr(validating, "validated_load", refuse)
    assert load_settings(None).settings == Settings()
    monkeypatch.setenv("STEPPER_CACHE__TTL_SECONDS", "5")
    with pytest.raises(AssertionError, match="validated"):
        load_settings(None)


def test_precedence_flag_env_repo_user(tmp_path: Path, repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    write(user_file(tmp_path), "[cache]\nttl_seconds = 1\nstale_seconds = 2\nfallback_stale_seconds = 3\n")
    trusted(repo.path / ".stepper.toml", "[cache]\nstale_seconds = 20\nfallback_stale_seconds = 30\n")
    monkeypatch.setenv("STEPPER_CACHE__FALLBACK_STALE_SECONDS", "300")
    loaded = load_settings(repo.path, overrides={"retry": {"max_attempts": 9}})
    s = loaded.settings
    assert (s.cache.ttl_seconds, s.cache.stale_seconds, s.cache.fallback_stale_seconds) == (1, 20, 300)
    assert s.retry.max_attempts == 9
    assert loaded.sources["cache.ttl_seconds"] == str(user_file(tmp_path))
    assert loaded.sources["cache.stale_seconds"] == str(repo.path / ".stepper.toml")
    assert loaded.sources["cache.fallback_stale_seconds"] == "env STEPPER_CACHE__FALLBACK_STALE_SECONDS"
    assert loaded.sources["retry.max_attempts"] == "flag"


def test_stepper_config_replaces_the_user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(user_file(tmp_path), "[cache]\nttl_seconds = 1\n")
    explicit = write(tmp_path / "team.toml", "[cache]\nstale_seconds = 5\n")
    monkeypatch.setenv("STEPPER_CONFIG", str(explicit))
    s = load_settings(None).settings
    assert s.cache.stale_seconds == 5 and s.cache.ttl_seconds == 604800


def test_tables_merge_and_lists_replace_in_a_trusted_file(tmp_path: Path, repo: GitRepo) -> None:
    write(user_file(tmp_path), "[evidence]\nmax_diff_bytes = 2048\n" + PROVIDER.format(name="mine"))
    trusted(
        repo.path / ".stepper.toml", "[evidence]\nredact = true\nexclude = ['*.snap']\n" + PROVIDER.format(name="team")
    )
    s = load_settings(repo.path).settings
    assert s.evidence.max_diff_bytes == 2048 and s.evidence.exclude == ["*.snap"]
    assert [p.name for p in s.providers] == ["team"]  # [[providers]] is a list: the repository's replaces yours


PROVIDER = "[[providers]]\nname = '{name}'\nkind = 'ollama'\n"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("not = = toml [", None, "not valid TOML"),
        ("[cache]\nttl = 5\n", "cache.ttl", "unknown key"),
        ("[cache]\nttl_seconds = 'soon'\n", "cache.ttl_seconds", "valid integer"),
        ("[[providers]]\nname = 'p'\nkind = 'telepathy'\n", "providers.0", "unknown provider kind 'telepathy'"),
        ("surprise = 1\n", "surprise", "unknown key"),
        ('[queue]\nurl = "redis://[::1:1/0"\n', "queue.url", "not a valid URL"),
        ('[queue]\nurl = "redis://:pw@h:99999/0"\n', "queue.url", "not a valid URL"),
        ('[queue]\nurl = "http://h/0"\n', "queue.url", "redis://"),
    ],
)
def test_bad_config_names_file_key_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, key: str | None, reason: str
) -> None:
    bad = write(tmp_path / "bad.toml", text)
    monkeypatch.setenv("STEPPER_CONFIG", str(bad))
    with pytest.raises(ConfigError) as info:
        load_settings(None)
    message = str(info.value)
    assert str(bad) in message and reason in message
    if key:
        assert key in message
    assert info.value.exit_code == 4


def test_bad_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEPPER_QUEUE__CONCURRENCY", "many")
    with pytest.raises(ConfigError, match="STEPPER_QUEUE__CONCURRENCY"):
        load_settings(None)


def test_missing_stepper_config_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEPPER_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(None)


def test_preset_fills_kind_url_model_and_key_env() -> None:
    p = validated(ProviderSettings, {"name": "fast", "kind": "groq"})
    assert p.kind == "openai" and "groq" in p.base_url and p.api_key_env == "GROQ_API_KEY" and p.model
    custom = validated(ProviderSettings, {"name": "mine", "kind": "groq", "model": "other"})
    assert custom.model == "other"


def test_duplicate_provider_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        validated(Settings, {"providers": [{"name": "a", "kind": "ollama"}, {"name": "a", "kind": "ollama"}]})


UNTRUSTED = """
[cache]
stale_seconds = 7
[[providers]]
name = "exfil"
kind = "openai"
base_url = "https://evil.example/v1"
api_key_env = "OPENAI_API_KEY"
[notify]
webhook = "https://evil.example/hook"
"""


def test_untrusted_repo_file_cannot_add_providers_or_notify(repo: GitRepo) -> None:
    write(repo.path / ".stepper.toml", UNTRUSTED)
    loaded = load_settings(repo.path)
    assert loaded.settings.providers == [] and loaded.settings.notify.webhook == ""
    assert loaded.settings.cache.stale_seconds == 86400
    assert len(loaded.warnings) == 1 and "stepper config trust" in loaded.warnings[0]


def test_trust_applies_until_the_file_changes(repo: GitRepo) -> None:
    f = trusted(repo.path / ".stepper.toml", UNTRUSTED)
    loaded = load_settings(repo.path)
    assert [p.name for p in loaded.settings.providers] == ["exfil"] and not loaded.warnings
    assert loaded.settings.cache.stale_seconds == 7
    write(f, UNTRUSTED + "\n# changed\n")
    assert load_settings(repo.path).settings.providers == []


def test_example_file_documents_every_key_and_loads() -> None:
    example = ROOT / "config.example.toml"
    data = tomllib.loads(example.read_text())
    settings = validated(Settings, data)
    assert settings == Settings()
    text = example.read_text()
    for section in dataclasses.fields(Settings):
        assert f"[{section.name}]" in text or f"[[{section.name}]]" in text, section.name
        sub = nested(hints(Settings)[section.name])
        for key in (f.name for f in dataclasses.fields(sub)):
            assert f"{key} =" in text or f"{key}=" in text, f"{section.name}.{key}"

"""Bad input: configuration files with wrong types, unknown keys, bad TOML, nothing in them, or far too much.

Every one gives exit 0 (it is a valid configuration) or exit 4 with a sentence naming the file, never a
traceback, and STEPPER_HOME is left consistent. Property-based over generated TOML (hypothesis), then the
named cases one by one.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stepper_cli.config.presets import KINDS, PRESETS
from stepper_cli.config.settings import Settings
from stepper_cli.store import open_store
from tests.support.cli_run import Outcome, stepper
from tests.support.gitutil import GitRepo

SECTIONS = {f.name: f.default_factory for f in dataclasses.fields(Settings) if f.name != "providers"}
PROVIDER_KEYS = (
    "name",
    "kind",
    "model",
    "base_url",
    "api_key_env",
    "timeout_seconds",
    "rps",
    "concurrency",
    "prompt",
    "max_tokens",
    "enabled",
    "retry",
    "breaker",
)
SCALARS = st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.floats() | st.text(max_size=12)
ANY = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def toml_value(value: Any) -> str:
    """TOML for a JSON-like value (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return ("-inf" if value < 0 else "inf") if math.isinf(value) else "nan" if math.isnan(value) else repr(value)
    if isinstance(value, int | str):
        return json.dumps(value) if isinstance(value, str) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml(doc: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in doc.items())


def good_value(default: Any) -> st.SearchStrategy[Any]:
    """A value of the default's type (in range or not), or anything at all."""
    if isinstance(default, bool):
        return st.booleans() | ANY
    if isinstance(default, int | float):
        return st.integers(-3, 10**7) | st.floats(-3, 1e7, allow_nan=False) | ANY
    if isinstance(default, str):
        return st.text(max_size=20) | ANY
    if isinstance(default, list):
        return st.lists(st.text(max_size=10), max_size=3) | ANY
    return ANY


def section(model: type) -> st.SearchStrategy[dict[str, Any]]:
    fields = {f.name: good_value(getattr(model(), f.name)) for f in dataclasses.fields(model)}
    known = st.fixed_dictionaries({}, optional=fields)
    return st.one_of(
        known, st.builds(lambda a, b: {**a, **b}, known, st.dictionaries(st.text(max_size=8), ANY, max_size=2))
    )


PROVIDER = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["a", "b", "local", "", "bad name"]) | st.text(max_size=5),
        "kind": st.sampled_from([*sorted(set(KINDS) | set(PRESETS)), "nope"]),
    },
    optional={k: ANY for k in PROVIDER_KEYS[2:]} | {"base_url": st.sampled_from(["http://127.0.0.1:9/v1", "x"])},
)
DOCUMENT = st.fixed_dictionaries(
    {},
    optional={name: section(model) for name, model in SECTIONS.items()} | {"providers": st.lists(PROVIDER, max_size=2)},
) | st.dictionaries(st.text(max_size=8), ANY, max_size=3)


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    return repo


def assert_clean_failure(out: Outcome, config: Path) -> None:
    """Exit 0, or exit 4 with at most two sentences naming the file; never a traceback."""
    assert "Traceback" not in out.err
    if out.code != 0:
        assert out.code == 4, out
        assert str(config) in out.err or "STEPPER_" in out.err, out.err
        assert 1 <= len(out.err.strip().splitlines()) <= 2, out.err


def assert_home_consistent(home: Path) -> None:
    """Every snapshot parses and the store, if any, opens and reads."""
    for snap in home.glob("snapshots/*.json"):
        assert isinstance(json.loads(snap.read_text()), dict)
    if (home / "store").exists():
        with open_store("") as store:
            list(store.scan(""))


@FAST
@given(doc=DOCUMENT)
def test_any_generated_config_is_accepted_or_refused_with_exit_4_naming_the_file(
    doc: dict[str, Any], project: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml(doc), encoding="utf-8")
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    shown = stepper("config", "show", "--json", cwd=project.path)
    assert_clean_failure(shown, config)
    for args in (
        ("report", "--dry-run", "--format", "json"),
        ("report", "--offline", "--no-cache", "--format", "json"),
    ):
        out = stepper(*args, cwd=project.path)
        assert_clean_failure(out, config)
        assert out.code == shown.code or (shown.code == 0 and out.code == 4), (args, out)
        if out.code == 0:
            assert json.loads(out.out)
    assert_home_consistent(isolated_env)


@FAST
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_as_a_config_file_are_exit_0_or_4(
    data: bytes, project: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(data)
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    assert_clean_failure(stepper("report", "--offline", "--no-cache", cwd=project.path), config)


CASES: dict[str, tuple[str | bytes, int, str]] = {
    "empty": ("", 0, ""),
    "only comments": ("# nothing here\n\n", 0, ""),
    "bad TOML": ("[cache\nttl_seconds = 1\n", 4, "not valid TOML"),
    "not UTF-8": (b"[cache]\nttl_seconds = 1 # \xff\xfe\n", 4, "cannot read it"),
    "wrong type": ('[cache]\nttl_seconds = "a week"\n', 4, "cache.ttl_seconds"),
    "out of range": ("[queue]\nconcurrency = 0\n", 4, "queue.concurrency"),
    "unknown key": ("[cache]\nttl_second = 5\n", 4, "unknown key"),
    "unknown table": ("[caches]\nttl_seconds = 5\n", 4, "unknown key"),
    "unknown provider kind": ('[[providers]]\nname = "p"\nkind = "gpt"\n', 4, "valid kinds"),
    "a provider named local": ('[[providers]]\nname = "local"\nkind = "openai"\n', 4, "local"),
    "infinite number": ("[retry]\ndeadline_seconds = inf\n", 4, "finite"),
    "arrays nested 5,000 deep": ("a = " + "[" * 5000 + "]" * 5000 + "\n", 4, "nested too deeply"),
    "tables nested 3,000 deep": ("[" + ".".join(["a"] * 3000) + "]\n", 4, "nested too deeply"),
    "huge: 20,000 exclude patterns": (
        "[evidence]\nexclude = [" + ", ".join(f'"gen/{i}/*.js"' for i in range(20_000)) + "]\n",
        0,
        "",
    ),
    "huge: 100,000 unknown keys": ("[cache]\n" + "".join(f"k{i} = {i}\n" for i in range(100_000)), 4, "unknown key"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_kind_of_bad_config_gives_its_exit_code_and_a_sentence(
    case: str, project: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    text, code, words = CASES[case]
    config = tmp_path / "config.toml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode())
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    out = stepper("report", "--offline", "--format", "json", cwd=project.path)
    assert out.code == code and words in out.err, out
    assert_clean_failure(out, config)
    assert_home_consistent(isolated_env)


def test_a_bad_repo_file_is_named_and_a_config_that_is_a_folder_is_exit_4(
    project: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.path / ".stepper.toml").write_text("[hook]\nmode = 'sometimes'\n")
    out = stepper("report", cwd=project.path)
    assert out.code == 4 and ".stepper.toml" in out.err and "hook.mode" in out.err
    (project.path / ".stepper.toml").unlink()
    monkeypatch.setenv("STEPPER_CONFIG", str(tmp_path))
    out = stepper("enqueue", cwd=project.path)
    assert out.code == 4 and str(tmp_path) in out.err and "Traceback" not in out.err

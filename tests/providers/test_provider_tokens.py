"""Token usage: read from each vendor's reply, kept in the report's `attempts`, counted in the metrics.

The loopback server's replies carry usage where each vendor's API reference puts it (tests/support/provider_replies.py);
the expected numbers below are those bodies read as each vendor bills them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from stepper_cli.providers import usage
from stepper_cli.report.lean import canonical
from stepper_cli.report.model import Tokens
from tests.support.chainkit import config_file
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer

SUFFIX = {"openai": "/v1", "gemini": "/v1beta"}
MODEL = {"openai": "gpt-5-mini", "anthropic": "claude-haiku-4-5", "gemini": "gemini-3.5-flash",
         "cohere": "command-a-03-2025", "ollama": "llama3.2", "hf-space": ""}  # fmt: skip
EXPECTED = {
    "openai": {"input": 812, "output": 164},  # prompt_tokens, completion_tokens (reasoning included)
    "anthropic": {"input": 790 + 0 + 24, "output": 158},  # input + cache writes + cache reads
    "gemini": {"input": 805, "output": 160 + 480},  # candidates + thoughts (thinking is billed as output)
    "cohere": {"input": 869, "output": 171},  # usage.tokens before billed_units
    "ollama": {"input": 826, "output": 182},  # prompt_eval_count, eval_count
}


def configure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: ProviderServer, kind: str, scenario: str
) -> None:
    url = server.scenario_url(scenario, SUFFIX.get(kind, ""))
    entry = {"name": "primary", "kind": kind, "model": MODEL[kind], "api_key_env": "VENDOR_API_KEY",
             "base_url": url, "rps": 1000, "timeout_seconds": 5}  # fmt: skip
    monkeypatch.setenv("VENDOR_API_KEY", "sk-test-0123456789abcdef")
    monkeypatch.setenv("STEPPER_CONFIG", str(config_file(tmp_path / "c.toml", entry)))


def report(repo: GitRepo) -> Any:
    res = stepper("report", "--format", "json", "--no-cache", cwd=repo.path)
    assert res.code == 0, res.err
    return json.loads(res.out)


def token_counter(provider: str, direction: str) -> float:
    text = stepper("metrics").out
    family = next(f for f in text_string_to_metric_families(text) if f.name == "stepper_provider_tokens")
    labels = {"provider": provider, "direction": direction}
    return next(s.value for s in family.samples if s.labels == labels)


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_vendors_usage_is_in_the_attempt_and_the_counters(
    kind: str, committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(tmp_path, monkeypatch, server, kind, "ok")
    assert token_counter("primary", "input") == token_counter("primary", "output") == 0  # present before any use
    data = report(committed)
    [attempt] = data["attempts"]
    assert attempt["outcome"] == "ok" and attempt["tokens"] == EXPECTED[kind]
    assert list(attempt) == ["provider", "attempt", "outcome", "error", "duration_ms", "tokens"]
    assert token_counter("primary", "input") == EXPECTED[kind]["input"]
    assert token_counter("primary", "output") == EXPECTED[kind]["output"]


def test_a_space_counts_no_tokens_and_its_attempt_has_no_tokens_key(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(tmp_path, monkeypatch, server, "hf-space", "ok")
    [attempt] = report(committed)["attempts"]
    assert attempt["outcome"] == "ok" and "tokens" not in attempt
    assert token_counter("primary", "input") == token_counter("primary", "output") == 0


def test_a_billed_truncated_try_keeps_its_tokens_and_the_retry_adds_its_own(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(tmp_path, monkeypatch, server, "openai", "truncated:2000")  # truncated below a 2000-token budget
    data = report(committed)
    assert [(a["outcome"], a["error"], a.get("tokens")) for a in data["attempts"]] == [
        ("error", "truncated", EXPECTED["openai"]),
        ("ok", None, EXPECTED["openai"]),
    ]
    assert token_counter("primary", "output") == 2 * EXPECTED["openai"]["output"]


def test_a_cached_report_prints_the_tokens_it_was_written_with(
    committed: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(tmp_path, monkeypatch, server, "anthropic", "ok")
    first = stepper("report", "--format", "json", cwd=committed.path)
    again = stepper("report", "--format", "json", cwd=committed.path)
    assert first.code == again.code == 0
    assert json.loads(again.out)["cached"] is True
    assert json.loads(again.out)["attempts"] == json.loads(first.out)["attempts"]
    assert json.loads(first.out)["attempts"][0]["tokens"] == EXPECTED["anthropic"]

    # the lean cache-hit path's check (the contract read without pydantic) takes tokens as the model prints them
    data = json.loads(first.out)
    assert canonical(data) is data
    for bad in (None, {"input": -1, "output": 2}, {"output": 2, "input": 1}, {"input": 1, "output": 2, "cost": 3}):
        attempt = {**data["attempts"][0], "tokens": bad}
        assert canonical({**data, "attempts": [attempt]}) is None, bad


# ---- what the readers take from a reply: untrusted numbers ------------------------------------------------


@pytest.mark.parametrize("bad", [-1, "812", True, None, 1.5, 10**12, float("nan"), [812], {"n": 1}])
def test_a_count_that_is_not_a_whole_non_negative_number_is_not_taken(bad: Any) -> None:
    assert usage.openai_tokens({"usage": {"prompt_tokens": bad, "completion_tokens": bad}}) is None
    assert usage.ollama_tokens({"prompt_eval_count": bad, "eval_count": 7}) == Tokens(input=0, output=7)


@pytest.mark.parametrize("reply", [None, [], "text", {"usage": None}, {"usage": "x"}, {"usageMetadata": []}])
def test_a_reply_without_usage_gives_no_tokens(reply: Any) -> None:
    readers = (usage.openai_tokens, usage.anthropic_tokens, usage.gemini_tokens, usage.cohere_tokens,
               usage.ollama_tokens)  # fmt: skip
    assert [read(reply) for read in readers] == [None] * len(readers)


def test_vendor_quirks_are_read_as_the_vendors_bill() -> None:
    # Ollama leaves prompt_eval_count out when the whole prompt came from its cache
    assert usage.ollama_tokens({"eval_count": 40, "done": True}) == Tokens(input=0, output=40)
    # Cohere: billed units when the processed-token counts are missing; whole-number floats accepted
    assert usage.cohere_tokens({"usage": {"billed_units": {"input_tokens": 5.0, "output_tokens": 418}}}) == Tokens(
        input=5, output=418
    )
    # Gemini: a reply that spent everything thinking has no candidatesTokenCount
    assert usage.gemini_tokens({"usageMetadata": {"promptTokenCount": 9, "thoughtsTokenCount": 99}}) == Tokens(
        input=9, output=99
    )
    # Anthropic: input counts split across cache writes and reads add up
    parts = {"input_tokens": 3, "cache_creation_input_tokens": 1000, "cache_read_input_tokens": None}
    assert usage.anthropic_tokens({"usage": {**parts, "output_tokens": 12}}) == Tokens(input=1003, output=12)


def test_counts_noted_outside_a_metered_try_go_nowhere() -> None:
    usage.note(Tokens(input=1, output=2))  # no try is being metered: nothing to add to, nothing raised
    seen: list[Tokens] = []
    with usage.metered(seen):
        usage.note(Tokens(input=1, output=2))
        usage.note(None)
        usage.note(Tokens(input=10, output=20))
    usage.note(Tokens(input=5, output=5))
    assert usage.total(seen) == Tokens(input=11, output=22) and usage.total([]) is None

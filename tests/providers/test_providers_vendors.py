"""Each vendor behaviour reported in the wild, against the loopback server with the vendor's own bodies:
refusals, filters and truncation are told apart from bad replies, a 400 names what the model does not
take, a retired model says so, errors inside an HTTP 200 keep their message, and every Retry-After form
is read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from stepper_cli.config.settings import ProviderSettings, validated
from stepper_cli.errors import ModelNotFound, NoAnswer, ProviderError, Refused, Truncated, Unsupported
from stepper_cli.providers.base import Prompt
from stepper_cli.providers.capabilities import initial
from stepper_cli.providers.client import new_client
from stepper_cli.providers.registry import build_provider
from stepper_cli.providers.shape import Shape
from tests.support.provider_server import ProviderServer, provider_server

__all__ = ["provider_server"]

KEY = "sk-vendor-SECRET-0123456789abcdef"
PROMPT = Prompt(system="You write commit reports as JSON.", user="diff --git a/x.py b/x.py\n+print('hi')")
SUFFIX = {"openai": "/v1", "gemini": "/v1beta"}
MODEL = {"openai": "gpt-5-mini", "anthropic": "claude-haiku-4-5", "gemini": "gemini-3.5-flash",
         "cohere": "command-a-03-2025", "ollama": "llama3.2"}  # fmt: skip
CHAT_KINDS = list(MODEL)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with new_client() as c:
        yield c


def settings_for(kind: str, base_url: str, **overrides: Any) -> ProviderSettings:
    data = {"name": "primary", "kind": kind, "base_url": base_url, "model": MODEL.get(kind, ""),
            "api_key_env": "VENDOR_KEY", "max_tokens": 800, **overrides}  # fmt: skip
    return validated(ProviderSettings, data)


def ask(kind: str, server: ProviderServer, client: httpx.Client, scenario: str, shape: Shape | None = None,
        **overrides: Any) -> str:  # fmt: skip
    base_url = overrides.pop("base_url", server.scenario_url(scenario, SUFFIX.get(kind, "")))
    settings = settings_for(kind, base_url, **overrides)
    adapter = build_provider(settings, client, {"VENDOR_KEY": KEY})
    return adapter.generate(PROMPT, shape or initial(settings))


def failure(kind: str, server: ProviderServer, client: httpx.Client, scenario: str, **kw: Any) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        ask(kind, server, client, scenario, **kw)
    assert KEY not in str(info.value) and KEY not in (info.value.detail or "")
    return info.value


# ---- the model declined, or stopped short ----------------------------------------------------------


@pytest.mark.parametrize(("kind", "scenario"), [("openai", "refusal"), ("openai", "filter"),
                                                ("anthropic", "refusal"), ("gemini", "refusal"),
                                                ("gemini", "blocked")])  # fmt: skip
def test_refusals_filters_and_safety_blocks_are_refused_and_never_retried(
    kind: str, scenario: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure(kind, provider_server, client, scenario)
    assert isinstance(error, Refused) and error.kind == "refused" and error.retryable is False
    assert "refused" in str(error)


@pytest.mark.parametrize("kind", CHAT_KINDS)
def test_running_out_of_output_tokens_is_truncated(
    kind: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure(kind, provider_server, client, "truncated")
    assert isinstance(error, Truncated) and error.kind == "truncated"


def test_a_gemini_thinking_model_that_spent_its_budget_is_truncated_and_the_retry_bounds_thinking(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    assert isinstance(failure("gemini", provider_server, client, "truncated"), Truncated)
    text = ask("gemini", provider_server, client, "truncated:1500", shape=Shape(max_tokens=800).bigger())
    assert text.startswith("{")
    config = provider_server.last.json["generationConfig"]
    assert config["maxOutputTokens"] == 1600
    assert config["thinkingConfig"] == {"thinkingLevel": "low"}  # gemini-3.x; 2.x gets a thinkingBudget


def test_tool_calls_instead_of_text_are_no_answer_and_not_retried(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure("openai", provider_server, client, "tool-calls")
    assert isinstance(error, NoAnswer) and error.retryable is False


# ---- 400s that name what the model does not take ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "scenario", "shape", "feature"),
    [
        ("openai", "deepseek", Shape(), "structured"),
        ("openai", "o-series", Shape(), "token_param"),
        ("openai", "o-series", Shape(token_param="max_completion_tokens"), "temperature"),
        ("openai", "groq-schema", Shape(), "schema"),
        ("anthropic", "no-temperature", Shape(), "temperature"),
    ],
)
def test_a_400_naming_an_unsupported_parameter_says_which_feature_to_step_down(
    kind: str, scenario: str, shape: Shape, feature: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure(kind, provider_server, client, scenario, shape=shape)
    assert isinstance(error, Unsupported) and error.feature == feature
    assert error.kind == "bad_request"
    lower = shape.step_down(feature)
    assert lower is not None
    assert ask(kind, provider_server, client, scenario, shape=lower if feature != "token_param" else
               Shape(token_param="max_completion_tokens", temperature=False)).startswith("{")  # fmt: skip


def test_the_rules_table_sends_reasoning_models_what_they_take(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    ask("openai", provider_server, client, "o-series")
    body = provider_server.last.json
    assert "max_tokens" not in body and body["max_completion_tokens"] == 800 and "temperature" not in body


def test_a_deepseek_host_gets_json_object_from_the_rules_table() -> None:
    settings = settings_for("openai", "https://api.deepseek.com/v1", model="deepseek-v4-flash")
    assert initial(settings).structured == "json_object"
    assert (
        initial(settings_for("openai", "https://openrouter.ai/api/v1", model="openai/gpt-5-mini")).temperature is False
    )


def test_gemini_is_sent_upper_case_schema_types(provider_server: ProviderServer, client: httpx.Client) -> None:
    ask("gemini", provider_server, client, "ok")
    schema = provider_server.last.json["generationConfig"]["responseSchema"]
    assert schema["type"] == "OBJECT" and schema["properties"]["changes"]["type"] == "ARRAY"
    assert schema["properties"]["changes"]["items"]["type"] == "STRING"


# ---- retired models, keys, and errors in an HTTP 200 ------------------------------------------------


@pytest.mark.parametrize("kind", CHAT_KINDS)
def test_a_retired_model_says_it_is_not_available_at_the_provider(
    kind: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure(kind, provider_server, client, "404-model")
    assert isinstance(error, ModelNotFound) and error.kind == "model_not_found"
    assert str(error) == f"model {MODEL[kind]} is not available at provider 'primary'"


def test_a_404_that_does_not_name_the_model_is_a_route_problem(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure("openai", provider_server, client, "ok", base_url=provider_server.url + "/nowhere")
    assert error.kind == "bad_request" and "base_url" in str(error)


def test_gemini_api_key_invalid_is_an_auth_failure(provider_server: ProviderServer, client: httpx.Client) -> None:
    error = failure("gemini", provider_server, client, "gemini-key")
    assert error.kind == "auth" and "API key not valid" in (error.detail or "")


@pytest.mark.parametrize(("scenario", "kind", "message"), [
    ("openrouter-429", "rate_limited", "Rate limit exceeded: free-models-per-day"),
    ("openrouter-choice", "unavailable", "Upstream error from provider"),
])  # fmt: skip
def test_an_error_inside_an_http_200_keeps_its_code_and_message(
    scenario: str, kind: str, message: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure("openai", provider_server, client, scenario)
    assert error.kind == kind and message in (error.detail or "")


# ---- every Retry-After form --------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "scenario", "seconds", "said"), [
    ("openai", "429", 2.0, "retry-after"),
    ("openai", "429-ms", 1.5, "retry-after-ms"),
    ("openai", "429-reset", 360.0, "x-ratelimit-reset-requests"),
    ("openai", "429-long", 600.0, "retry-after"),
    ("gemini", "gemini-429", 3.0, "RetryInfo.retryDelay"),
])  # fmt: skip
def test_a_429_carries_what_the_provider_asked_for_in_each_form(
    kind: str, scenario: str, seconds: float, said: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure(kind, provider_server, client, scenario)
    assert error.kind == "rate_limited" and error.retry_after == seconds
    assert f"it asked to wait {seconds:g} s ({said})" in str(error)


# ---- limits that hold whatever the server does -------------------------------------------------------


def test_a_reply_larger_than_max_reply_bytes_is_cut_off_while_streaming(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure("openai", provider_server, client, "huge", max_reply_bytes=256 * 1024)
    assert error.kind == "invalid_response" and "max_reply_bytes" in str(error)


def test_a_server_dripping_its_headers_is_a_timeout_at_the_wall_clock_limit(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    error = failure("openai", provider_server, client, "drip", timeout_seconds=1.5)
    assert error.kind == "timeout" and str(error) == "Provider 'primary' timed out after 1.5 s"


def test_retry_after_forms_are_read_in_the_order_sdks_read_them() -> None:
    from stepper_cli.providers.retry_after import parse_duration, wait_asked

    assert wait_asked({"retry-after": "30", "retry-after-ms": "1500"}) == (1.5, "retry-after-ms")
    assert wait_asked({"x-ratelimit-reset-requests": "1m30.5s"}) == (90.5, "x-ratelimit-reset-requests")
    assert parse_duration("6m0s") == 360 and parse_duration("250ms") == 0.25 and parse_duration("1h2m") == 3720
    assert parse_duration("soon") is None and parse_duration("5 parsecs") is None
    reset = wait_asked({"x-ratelimit-reset-requests": "1999999999000"})  # a Unix time in milliseconds
    assert reset is not None and reset[0] > 0
    assert wait_asked({}, {"error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                                 "retryDelay": "37s"}]}}) == (37.0, "RetryInfo.retryDelay")  # fmt: skip
    assert wait_asked({"retry-after": "nan"}) is None

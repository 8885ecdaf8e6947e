"""Each adapter against a real loopback server: the request on the wire, the text, and the error kinds."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, cast

import httpx
import pytest

from stepper_cli.config.settings import ProviderSettings, validated
from stepper_cli.errors import (
    BadRequest,
    ConfigError,
    InvalidResponse,
    MissingKey,
    ProviderError,
    ProviderUnavailable,
)
from stepper_cli.providers.base import Prompt, Provider
from stepper_cli.providers.capabilities import initial
from stepper_cli.providers.client import new_client
from stepper_cli.providers.http import HTTPX_ERRORS, send, translate_exception
from stepper_cli.providers.openai import OpenAIProvider
from stepper_cli.providers.registry import build_provider, key_present, needs_key
from stepper_cli.providers.replies import status_error
from stepper_cli.providers.retry_after import parse_retry_after
from stepper_cli.report.model import Report, parse_report
from tests.support.provider_server import REPORT, ProviderServer, RecordedRequest, provider_server, refused_url

__all__ = ["provider_server"]  # the fixture, imported for pytest

KEY = "sk-test-SECRET-0123456789abcdef"
KEY_ENV = "TEST_PROVIDER_API_KEY"
PROMPT = Prompt(system="You write commit reports as JSON.", user="diff --git a/x.py b/x.py\n+print('hi')")
KINDS = ["openai", "anthropic", "gemini", "cohere", "ollama", "hf-space"]
#: what each kind appends to the server's URL to make its base_url (as the presets do)
BASE_SUFFIX = {"openai": "/v1", "gemini": "/v1beta"}
MODEL = {"openai": "gpt-5-mini", "anthropic": "claude-haiku-4-5", "gemini": "gemini-3.5-flash",
         "cohere": "command-a-03-2025", "ollama": "llama3.2", "hf-space": ""}  # fmt: skip


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with new_client() as c:
        yield c


def make_settings(kind: str, base_url: str, **overrides: Any) -> ProviderSettings:
    return ProviderSettings(
        name="primary",
        kind=kind,
        base_url=base_url,
        model=MODEL[kind],
        api_key_env=KEY_ENV,
        max_tokens=777,
        **overrides,
    )


class Bound:
    """An adapter with its first shape (the rules table's), as the chain sends it."""

    def __init__(self, adapter: Provider) -> None:
        self.adapter = adapter

    def generate(self, prompt: Prompt) -> str:
        return self.adapter.generate(prompt, initial(self.adapter.settings))

    def __repr__(self) -> str:
        return repr(self.adapter)


def make(kind: str, server: ProviderServer, client: httpx.Client, key: str | None = KEY, **overrides: Any) -> Bound:
    settings = make_settings(kind, server.url + BASE_SUFFIX.get(kind, ""), **overrides)
    return Bound(build_provider(settings, client, env={KEY_ENV: key} if key else {}))


def generation_requests(server: ProviderServer) -> list[RecordedRequest]:
    return server.generations()


def assert_no_key(exc: ProviderError) -> None:
    assert KEY not in str(exc)
    assert KEY not in (exc.detail or "")
    assert KEY not in repr(exc.args)


# ---- the request on the wire --------------------------------------------------------------------


def check_openai(req: RecordedRequest) -> None:
    assert (req.method, req.path) == ("POST", "/v1/chat/completions")
    assert req.headers["authorization"] == f"Bearer {KEY}"
    body = req.json
    assert body["model"] == "gpt-5-mini"
    assert body["messages"] == [
        {"role": "system", "content": PROMPT.system},
        {"role": "user", "content": PROMPT.user},
    ]
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "commit_report"
    assert fmt["json_schema"]["strict"] is False
    assert set(fmt["json_schema"]["schema"]["required"]) >= {"title", "summary", "changes"}
    assert body["max_completion_tokens"] == 777 and "max_tokens" not in body  # gpt-5: the rules table
    assert "temperature" not in body


def check_anthropic(req: RecordedRequest) -> None:
    assert (req.method, req.path) == ("POST", "/v1/messages")
    assert req.headers["x-api-key"] == KEY
    assert req.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in req.headers
    body = req.json
    assert body["system"] == PROMPT.system
    assert body["messages"] == [{"role": "user", "content": PROMPT.user}]
    assert body["max_tokens"] == 777
    assert body["tools"][0]["name"] == "commit_report"
    assert body["tools"][0]["input_schema"]["type"] == "object"
    assert body["tool_choice"] == {"type": "tool", "name": "commit_report"}
    assert "temperature" not in body  # deprecated for newer models


def check_gemini(req: RecordedRequest) -> None:
    assert (req.method, req.path) == ("POST", "/v1beta/models/gemini-3.5-flash:generateContent")
    assert req.headers["x-goog-api-key"] == KEY
    assert req.query == ""
    assert KEY not in req.path
    body = req.json
    assert body["systemInstruction"] == {"parts": [{"text": PROMPT.system}]}
    assert body["contents"] == [{"role": "user", "parts": [{"text": PROMPT.user}]}]
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["maxOutputTokens"] == 777
    assert "temperature" not in config  # gemini-3: Google advises the default
    schema_text = json.dumps(config["responseSchema"])
    for unsupported in ("additionalProperties", "minLength", "maxLength"):
        assert unsupported not in schema_text
    assert config["responseSchema"]["propertyOrdering"][0] == "title"
    assert config["responseSchema"]["type"] == "OBJECT"
    assert "changes" in config["responseSchema"]["properties"]


def check_cohere(req: RecordedRequest) -> None:
    assert (req.method, req.path) == ("POST", "/v2/chat")
    assert req.headers["authorization"] == f"Bearer {KEY}"
    body = req.json
    assert body["model"] == "command-a-03-2025"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["response_format"]["type"] == "json_object"
    assert body["response_format"]["json_schema"]["properties"]["title"] == {"type": "string"}
    assert body["max_tokens"] == 777


def check_ollama(req: RecordedRequest) -> None:
    assert (req.method, req.path) == ("POST", "/api/chat")
    assert req.headers["authorization"] == f"Bearer {KEY}"
    body = req.json
    assert body["model"] == "llama3.2"
    assert body["stream"] is False
    assert body["format"]["type"] == "object"
    assert body["options"] == {"temperature": 0.2, "num_predict": 777}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def check_hf_space(req: RecordedRequest) -> None:
    assert (req.method, req.path) == ("POST", "/gradio_api/call/predict")
    assert req.headers["authorization"] == f"Bearer {KEY}"
    [text] = req.json["data"]
    assert text.startswith(PROMPT.system) and text.endswith(PROMPT.user) and "JSON schema" in text


CHECKS: dict[str, Callable[[RecordedRequest], None]] = {
    "openai": check_openai, "anthropic": check_anthropic, "gemini": check_gemini, "cohere": check_cohere,
    "ollama": check_ollama, "hf-space": check_hf_space,
}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_request_on_the_wire_follows_the_documented_api(
    kind: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    make(kind, provider_server, client).generate(PROMPT)
    [request] = generation_requests(provider_server)
    CHECKS[kind](request)


@pytest.mark.parametrize("kind", KINDS)
def test_ok_reply_gives_text_holding_the_report(
    kind: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    text = make(kind, provider_server, client).generate(PROMPT)
    assert parse_report(text) == Report.model_validate(REPORT)


@pytest.mark.parametrize("scenario", ["prose", "fenced", "think"])
@pytest.mark.parametrize("kind", ["openai", "anthropic", "ollama"])
def test_wrapped_json_is_returned_raw_for_the_parser(
    kind: str, scenario: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    provider_server.scenario = scenario
    text = make(kind, provider_server, client).generate(PROMPT)
    assert not text.lstrip().startswith("{")
    assert parse_report(text).title == REPORT["title"]


@pytest.mark.parametrize("scenario", ["think-braces", "bare-think", "braces", "two"])
def test_json_recovery_takes_the_first_balanced_object_that_validates(
    scenario: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    provider_server.scenario = scenario
    assert parse_report(make("openai", provider_server, client).generate(PROMPT)) == Report.model_validate(REPORT)


@pytest.mark.parametrize("kind", KINDS)
def test_report_failing_the_schema_reaches_the_parser_and_is_rejected_there(
    kind: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    provider_server.scenario = "invalid"
    text = make(kind, provider_server, client).generate(PROMPT)
    with pytest.raises(InvalidResponse):
        parse_report(text)


# ---- failures ------------------------------------------------------------------------------------

FAILURES = [
    ("500", "unavailable"),
    ("503", "unavailable"),
    ("429", "rate_limited"),
    ("429-date", "rate_limited"),
    ("401", "auth"),
    ("403", "auth"),
    ("400", "bad_request"),
    ("garbage", "invalid_response"),
    ("empty", "invalid_response"),
]


@pytest.mark.parametrize(("scenario", "kind_of_error"), FAILURES)
@pytest.mark.parametrize("kind", KINDS)
def test_failure_scenarios_raise_the_matching_error_kind_without_the_key(
    kind: str, scenario: str, kind_of_error: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    provider_server.scenario = scenario
    with pytest.raises(ProviderError) as info:
        make(kind, provider_server, client).generate(PROMPT)
    assert info.value.kind == kind_of_error
    assert "'primary'" in str(info.value)
    assert_no_key(info.value)


@pytest.mark.parametrize("scenario", ["429", "429-date"])
@pytest.mark.parametrize("kind", KINDS)
def test_rate_limit_carries_retry_after_in_seconds_for_both_header_forms(
    kind: str, scenario: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    provider_server.scenario = scenario
    with pytest.raises(ProviderError) as info:
        make(kind, provider_server, client).generate(PROMPT)
    assert info.value.retry_after is not None
    assert 1.0 <= info.value.retry_after <= 3.0


@pytest.mark.parametrize("kind", KINDS)
def test_server_that_hangs_past_the_timeout_is_a_timeout(
    kind: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    provider_server.scenario = "hang"
    with pytest.raises(ProviderError) as info:
        make(kind, provider_server, client, timeout_seconds=0.3).generate(PROMPT)
    assert info.value.kind == "timeout"
    assert str(info.value) == "Provider 'primary' timed out after 0.3 s"


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "hf-space"])
def test_refused_connection_is_unavailable(kind: str, client: httpx.Client) -> None:
    settings = make_settings(kind, refused_url())
    with pytest.raises(ProviderError) as info:
        Bound(build_provider(settings, client, env={KEY_ENV: KEY})).generate(PROMPT)
    assert info.value.kind == "unavailable"
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert_no_key(info.value)


def test_flaky_server_fails_then_answers(provider_server: ProviderServer, client: httpx.Client) -> None:
    provider_server.scenario = "flaky:2"
    provider = make("openai", provider_server, client)
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            provider.generate(PROMPT)
    assert parse_report(provider.generate(PROMPT)).title == REPORT["title"]
    assert provider_server.counts["flaky:2"] == 3


def test_scenario_can_be_chosen_per_base_url(provider_server: ProviderServer, client: httpx.Client) -> None:
    settings = make_settings("openai", provider_server.scenario_url("401", "/v1"))
    with pytest.raises(ProviderError) as info:
        Bound(build_provider(settings, client, env={KEY_ENV: KEY})).generate(PROMPT)
    assert info.value.kind == "auth"
    assert provider_server.last.path == "/v1/chat/completions"


# ---- keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["openai", "ollama"])
def test_local_servers_are_called_without_a_key_and_without_an_auth_header(
    kind: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    make(kind, provider_server, client, key=None).generate(PROMPT)
    assert "authorization" not in provider_server.last.headers


def test_missing_key_names_the_provider_and_the_variable() -> None:
    settings = make_settings("anthropic", "https://api.anthropic.com")
    with pytest.raises(MissingKey) as info:
        build_provider(settings, cast("httpx.Client", None), env={})
    assert str(info.value) == f"No API key for provider 'primary': set {KEY_ENV}"


def test_remote_openai_needs_a_key_but_loopback_does_not() -> None:
    assert needs_key(make_settings("openai", "https://api.openai.com/v1"))
    for url in ("http://localhost:8080/v1", "http://127.0.0.1:1234/v1", "http://[::1]:8000/v1"):
        assert not needs_key(make_settings("openai", url))
    assert not needs_key(make_settings("ollama", "http://gpu-box:11434"))
    assert key_present(make_settings("gemini", ""), {KEY_ENV: KEY})
    assert not key_present(make_settings("gemini", ""), {KEY_ENV: "  "})


def test_unknown_kind_is_a_config_error_listing_the_valid_kinds() -> None:
    settings = ProviderSettings(name="primary", kind="telepathy", base_url="", api_key_env="")
    with pytest.raises(ConfigError) as info:
        build_provider(settings, cast("httpx.Client", None), env={})
    assert "telepathy" in str(info.value)
    assert "anthropic, cohere, gemini, hf-space, ollama, openai" in str(info.value)


def test_hf_space_without_a_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="base_url"):
        build_provider(
            validated(ProviderSettings, {"name": "space", "kind": "hf-space"}), cast("httpx.Client", None), env={}
        )


def test_key_with_a_newline_or_non_ascii_never_shows_in_the_error(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    for bad_key in (KEY + "\n", KEY + "é"):
        with pytest.raises(ProviderError) as info:
            settings = make_settings("openai", provider_server.url + "/v1")
            OpenAIProvider(settings, bad_key, client).generate(PROMPT, initial(settings))
        assert info.value.kind in ("bad_request", "unavailable")
        assert KEY not in str(info.value)
        assert KEY not in (info.value.detail or "")


def test_key_echoed_in_an_error_body_is_masked() -> None:
    error = status_error(400, {}, {"error": {"message": f"bad key {KEY}"}}, "", provider="primary", secrets=[KEY])
    assert isinstance(error, BadRequest)
    assert KEY not in str(error)
    assert "***" in (error.detail or "")


def test_adapter_repr_hides_the_key(provider_server: ProviderServer, client: httpx.Client) -> None:
    assert KEY not in repr(make("cohere", provider_server, client))


# ---- the translation boundary --------------------------------------------------------------------


def every_httpx_exception() -> list[type[Exception]]:
    found: set[type[Exception]] = set()
    stack: list[type[Exception]] = list(HTTPX_ERRORS)
    stack += [c for n in httpx.__all__ if isinstance(c := getattr(httpx, n), type) and issubclass(c, Exception)]
    while stack:
        cls = stack.pop()
        if cls.__module__.startswith("httpx") and cls not in found:
            found.add(cls)
            stack.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)


def instantiate(cls: type[Exception]) -> Exception:
    request = httpx.Request("POST", "https://api.example.com/v1/chat/completions")
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("boom", request=request, response=httpx.Response(503, request=request))
    if issubclass(cls, httpx.RequestError):
        return cls("boom", request=request)
    try:
        return cls("boom")
    except TypeError:
        return cls()


EXPECTED_KIND = {
    "TimeoutException": "timeout", "ConnectTimeout": "timeout", "ReadTimeout": "timeout",
    "WriteTimeout": "timeout", "PoolTimeout": "timeout",
    "ConnectError": "unavailable", "ReadError": "unavailable", "WriteError": "unavailable",
    "CloseError": "unavailable", "NetworkError": "unavailable", "RemoteProtocolError": "unavailable",
    "LocalProtocolError": "unavailable", "ProtocolError": "unavailable", "ProxyError": "unavailable",
    "TransportError": "unavailable", "HTTPStatusError": "unavailable",
    "UnsupportedProtocol": "bad_request", "InvalidURL": "bad_request", "TooManyRedirects": "bad_request",
    "DecodingError": "invalid_response",
}  # fmt: skip


def test_every_httpx_exception_class_maps_to_a_stepper_error_at_the_boundary() -> None:
    classes = every_httpx_exception()
    assert len(classes) >= 25
    for cls in classes:
        exc = instantiate(cls)

        def raise_it(request: httpx.Request, exc: Exception = exc) -> httpx.Response:
            raise exc

        with (
            httpx.Client(transport=httpx.MockTransport(raise_it)) as client,
            pytest.raises(ProviderError) as info,
        ):
            send(
                client,
                "POST",
                "https://api.example.com/x",
                provider="primary",
                timeout=30,
                max_bytes=1024,
                secrets=[KEY],
            )
        assert info.value.__cause__ is exc, cls
        assert "Provider 'primary'" in str(info.value), cls
        assert info.value.kind == EXPECTED_KIND.get(cls.__name__, info.value.kind), cls
        assert info.value.kind == translate_exception(exc, "primary", 30).kind


def test_timeout_message_names_the_provider_and_the_limit() -> None:
    error = translate_exception(httpx.ReadTimeout("read"), "primary", 30.0)
    assert str(error) == "Provider 'primary' timed out after 30 s"


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("2", now) == 2.0
    assert parse_retry_after(format_datetime(now.replace(second=7), usegmt=True), now) == 7.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None

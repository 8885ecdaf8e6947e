"""hf-space speaks real Spaces: Gradio's call API (the default), TGI's /generate, and the original
service's /api/infer; a sleeping Space is woken within the report's deadline, and the adapter keeps
knowing it is awake from one report to the next."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from stepper_cli.config.settings import ProviderSettings, validated
from stepper_cli.errors import ProviderUnavailable, Truncated
from stepper_cli.providers import deadline
from stepper_cli.providers.base import Prompt
from stepper_cli.providers.client import new_client
from stepper_cli.providers.hf_space import HFSpaceProvider, sse_events
from stepper_cli.providers.registry import Adapters
from stepper_cli.providers.shape import Shape
from stepper_cli.report.model import parse_report
from tests.support.provider_server import REPORT, ProviderServer, provider_server

__all__ = ["provider_server"]
TOKEN = "hf_SECRETtoken0123456789"
PROMPT = Prompt(system="You write commit reports as JSON.", user="diff --git a/x.py b/x.py\n+print('hi')")


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with new_client() as c:
        yield c


def space(server: ProviderServer, client: httpx.Client, scenario: str = "ok", **kw: Any) -> HFSpaceProvider:
    fields = {"name": "space", "kind": "hf-space", "base_url": server.scenario_url(scenario), "max_tokens": 700}
    settings = validated(ProviderSettings, {**fields, **kw.pop("settings", {})})
    return HFSpaceProvider(settings, TOKEN, client, **kw)


def test_gradio_is_the_default_two_requests_and_an_event_stream(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    text = space(provider_server, client).generate(PROMPT, Shape())
    assert parse_report(text).title == REPORT["title"]
    post, get = provider_server.requests
    assert (post.method, post.path) == ("POST", "/gradio_api/call/predict")
    assert post.json["data"][0].startswith(PROMPT.system) and PROMPT.user in post.json["data"][0]
    assert "JSON schema" in post.json["data"][0]  # a Space is not given the schema, so the prompt carries it
    assert get.method == "GET" and get.path.startswith("/gradio_api/call/predict/")
    assert post.headers["authorization"] == get.headers["authorization"] == f"Bearer {TOKEN}"


def test_gradio_api_name_is_configurable(provider_server: ProviderServer, client: httpx.Client) -> None:
    space(provider_server, client, settings={"api_name": "/generate_report"}).generate(PROMPT, Shape())
    assert provider_server.requests[0].path == "/gradio_api/call/generate_report"


@pytest.mark.parametrize(("scenario", "detail"), [("gradio-error", "the Space's function failed"),
                                                  ("gradio-error-msg", "ZeroGPU quota exceeded")])  # fmt: skip
def test_a_gradio_error_event_is_unavailable_with_its_message(
    scenario: str, detail: str, provider_server: ProviderServer, client: httpx.Client
) -> None:
    with pytest.raises(ProviderUnavailable) as info:
        space(provider_server, client, scenario).generate(PROMPT, Shape())
    assert info.value.detail == detail


def test_server_sent_events_are_split_as_the_standard_says() -> None:
    body = 'event: heartbeat\ndata: null\n\n: a comment\n\nevent: complete\r\ndata: ["a",\r\ndata: "b"]\r\n\r\n'
    assert sse_events(body) == [("heartbeat", None), ("complete", ["a", "b"])]


def test_tgi_mode_posts_inputs_and_parameters(provider_server: ProviderServer, client: httpx.Client) -> None:
    text = space(provider_server, client, settings={"mode": "tgi"}).generate(PROMPT, Shape(max_tokens=700))
    assert parse_report(text).title == REPORT["title"]
    body = provider_server.last.json
    assert provider_server.last.path == "/generate" and body["inputs"].startswith(PROMPT.system)
    assert body["parameters"] == {"max_new_tokens": 700, "return_full_text": False, "details": True,
                                  "temperature": 0.2}  # fmt: skip


def test_tgi_stopping_at_its_length_is_truncated(provider_server: ProviderServer, client: httpx.Client) -> None:
    with pytest.raises(Truncated):
        space(provider_server, client, "truncated", settings={"mode": "tgi"}).generate(PROMPT, Shape())


def test_infer_mode_speaks_the_original_services_contract(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    text = space(provider_server, client, settings={"mode": "infer"}).generate(PROMPT, Shape())
    assert json.loads(text) == REPORT
    assert provider_server.last.path == "/api/infer" and set(provider_server.last.json) == {"prompt"}


def test_a_sleeping_space_is_woken_then_remembered_as_awake(
    provider_server: ProviderServer, client: httpx.Client
) -> None:
    sleeps: list[float] = []
    adapter = space(provider_server, client, "asleep:2", sleep=sleeps.append, settings={"mode": "tgi"})
    with deadline.report(30):
        adapter.generate(PROMPT, Shape())
    assert sleeps == [1.0, 1.0] and adapter.awake  # estimated_time from the 503 body
    provider_server.scenario = "503"
    failing = space(provider_server, client, "503", sleep=sleeps.append, settings={"mode": "tgi"})
    failing.awake = True
    with pytest.raises(ProviderUnavailable), deadline.report(30):
        failing.generate(PROMPT, Shape())
    assert sleeps == [1.0, 1.0] and not failing.awake  # awake: a 503 fails at once; the next try will wait


def test_waking_stops_at_the_reports_deadline(provider_server: ProviderServer, client: httpx.Client) -> None:
    sleeps: list[float] = []
    adapter = space(provider_server, client, "asleep:99", sleep=sleeps.append, settings={"mode": "tgi"})
    with pytest.raises(ProviderUnavailable, match="still waking up"), deadline.report(1.2):
        adapter.generate(PROMPT, Shape())
    assert sleeps == []


def test_the_context_keeps_one_adapter_per_provider_so_awake_lasts(client: httpx.Client) -> None:
    settings = validated(ProviderSettings, {"name": "s", "kind": "hf-space", "base_url": "https://o-s.hf.space"})
    adapters = Adapters(lambda: client, env={})
    assert adapters.get(settings) is adapters.get(settings)

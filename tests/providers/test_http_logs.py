"""--verbose shows httpx's request lines; passwords and secret query values in them are masked."""

from __future__ import annotations

import logging

import pytest

from stepper_cli.providers.client import new_client
from tests.support.provider_server import ProviderServer

PASSWORD = "hunter2-SECRET"
API_KEY = "AIzaSECRETkey0123456789"


def test_httpx_request_lines_never_show_a_url_password_or_key(
    provider_server: ProviderServer, caplog: pytest.LogCaptureFixture
) -> None:
    host = provider_server.url.removeprefix("http://")
    url = f"http://user:{PASSWORD}@{host}/v1/chat/completions?key={API_KEY}&alt=json"
    with caplog.at_level(logging.DEBUG), new_client() as client:
        client.post(url, json={"model": "m", "messages": []})
    lines = [r.getMessage() for r in caplog.records if r.name.startswith(("httpx", "httpcore"))]
    assert any("HTTP Request: POST" in line for line in lines)
    assert not [line for line in lines if PASSWORD in line or API_KEY in line]
    assert any("user:***@" in line and "key=***" in line for line in lines)

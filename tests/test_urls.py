"""Credentials in URLs are masked wherever they sit: the user part or a query parameter."""

from __future__ import annotations

import pytest

from stepper_cli.config.urls import has_credentials, mask_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:hunter2@h:6379/0", "redis://:***@h:6379/0"),
        ("rediss://me:hunter2@h/0?ssl_ca_certs=/ca.pem", "rediss://me:***@h/0?ssl_ca_certs=/ca.pem"),
        ("redis://h:6379/0?password=hunter2&db=1", "redis://h:6379/0?password=***&db=1"),
        ("https://ghp_tokenonly@example.com/x", "https://***@example.com/x"),
        ("https://example.com/hook?api_key=hunter2", "https://example.com/hook?api_key=***"),
    ],
)
def test_passwords_are_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert "hunter2" not in mask_url(url) and has_credentials(url)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "https://api.openai.com/v1", ""])
def test_urls_without_credentials_are_unchanged(url: str) -> None:
    assert mask_url(url) == url and not has_credentials(url)

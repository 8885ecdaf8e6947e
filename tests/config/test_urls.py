"""Credentials in URLs are masked wherever they sit: the user part or a query parameter."""

from __future__ import annotations

from pathlib import Path

import pytest

from stepper_cli.config.urls import has_credentials, mask_setting, mask_text, mask_url
from tests.support.cli_run import stepper


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


# Webhook URLs as the services document them: the path (and any query) is the credential.
SLACK = "https://hooks.slack.com/services/T0ABCDEFG/B0HIJKLMN/xoxWebhookToken123456789"
DISCORD = "https://discord.com/api/webhooks/123456789012345678/AbCdEf-GhIjKlMnOpQrStUvWxYz0123456789"
TEAMS = ("https://contoso.webhook.office.com/webhookb2/0a1b2c3d-4e5f-6789-abcd-ef0123456789@72f988bf-86f1-41af"
         "-91ab-2d7cd011db47/IncomingWebhook/5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0/0a1b2c3d-4e5f-6789")  # fmt: skip
WORKFLOW = ("https://prod-00.westus.logic.azure.com:443/workflows/8a7b6c5d4e3f/triggers/manual/paths/invoke"
            "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Wf0rkflowSigSecret123")  # fmt: skip


@pytest.mark.parametrize(
    ("url", "shown", "secret"),
    [
        (SLACK, "https://hooks.slack.com/services/***", "xoxWebhookToken123456789"),
        (DISCORD, "https://discord.com/api/webhooks/***", "AbCdEf-GhIjKlMnOpQrStUvWxYz0123456789"),
        (TEAMS, "https://contoso.webhook.office.com/***", "5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0"),
        (
            WORKFLOW,
            "https://prod-00.westus.logic.azure.com:443/workflows/***?api-version=***&sp=***&sv=***&sig=***",
            "Wf0rkflowSigSecret123",
        ),
        ("https://user:pw-secret@example.com/hooks/stepper", "https://user:***@example.com/hooks/stepper", "pw-secret"),
    ],
)
def test_a_webhook_url_shows_its_host_and_first_plain_words_only(url: str, shown: str, secret: str) -> None:
    assert mask_setting("notify.webhook", url) == shown
    assert secret not in shown


def test_only_notify_url_keys_hide_their_path() -> None:
    assert (
        mask_setting("providers.0.base_url", "https://api.example.com/v1/abc123") == "https://api.example.com/v1/abc123"
    )
    assert mask_setting("notify.webhook", "https://api.example.com/v1/abc123") == "https://api.example.com/***"


def test_secret_query_values_of_any_url_are_masked_including_sas_signatures() -> None:
    assert mask_url("https://acct.blob.core.windows.net/c?sv=2022&sig=AbC%2Fsecret") == (
        "https://acct.blob.core.windows.net/c?sv=2022&sig=***"
    )


def test_urls_inside_log_lines_are_masked() -> None:
    line = "job 1 failed: POST https://me:hunter2@example.com/v1?key=sk-abc failed; see https://status.example.com"
    assert mask_text(line) == (
        "job 1 failed: POST https://me:***@example.com/v1?key=*** failed; see https://status.example.com"
    )


def test_config_show_masks_a_webhook_path_token_in_text_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[notify]\nwebhook = "{SLACK}"\n')
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    for args in (("config", "show"), ("config", "show", "--json")):
        out = stepper(*args, cwd=tmp_path)
        assert out.code == 0 and "hooks.slack.com/services/***" in out.out, out
        assert "xoxWebhookToken" not in out.out + out.err and "T0ABCDEFG" not in out.out


def test_the_worker_log_masks_urls_in_its_lines(tmp_path: Path) -> None:
    from stepper_cli.cli.queue import _JobLog

    path = tmp_path / "worker.log"
    log = _JobLog(path, to_stderr=False)
    log("job 1 interrupted: Cannot reach Redis at redis://:hunter2@10.0.0.5:6379/0?password=hunter2")
    log.close()
    text = path.read_text()
    assert "hunter2" not in text and "redis://:***@10.0.0.5:6379/0?password=***" in text


def test_a_notify_log_line_masks_urls(isolated_env: Path) -> None:
    from stepper_cli.jobs.notify import append_log

    append_log("notify.log", "webhook via https://u:hunter2@proxy.example.com/?token=hunter2 failed")
    text = (isolated_env / "notify.log").read_text()
    assert "hunter2" not in text and "https://u:***@proxy.example.com/?token=***" in text

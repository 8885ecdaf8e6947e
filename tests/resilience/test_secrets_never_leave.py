"""Nothing secret leaves the machine: a corpus of secrets planted in a commit never reaches the server
(while SHAs and UUIDs do), and the provider's key is in no file under STEPPER_HOME and in no output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer

KEY = "sk-proj-LEAKCHECK0123456789abcdefABCDEF"
KEY_ENV = "LEAKCHECK_API_KEY"
UUID = "123e4567-e89b-12d3-a456-426614174000"
OTHER_SHA = "1f0e3dad99908345f7439f8ffabdffc4b5a3c1d2"
PEM_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw"
SSH_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"

#: each secret as it is planted, by the kind the issue lists
SECRETS = {
    "aws-access-key": "AKIAIOSFODNN7EXAMPLE",
    "aws-secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "gcp-api-key": "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    "azure-account-key": "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "github-classic": "ghp_R2d2C3poLukeLeiaHanSolo0123456789abc",
    "github-oauth": "gho_16C7e42F292c6912E7710c838347Ae178B4a",
    "github-app": "ghs_abcdefghijklmnopqrstuvwxyz0123456789",
    "github-fine-grained": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU",
    "gitlab": "glpat-xYz123AbC456dEf789gH",
    "slack-token": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack-webhook": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "discord-webhook": "https://discord.com/api/webhooks/123456789012345678/abcDEF_ghi-JKLmnoPQR",
    "stripe": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "openai": "sk-proj-Abc123Def456Ghi789Jkl012Mno345",
    "anthropic": "sk-ant-api03-AbCdEf0123456789-GhIjKl_MnOpQr",
    "huggingface": "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "npm": "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "sendgrid": "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",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "pem-private-key": PEM_BODY,
    "openssh-private-key": SSH_BODY,
    "url-password": "Sup3rS3cretPw",
    "python-assignment": "hunter2-correct-horse",
    "yaml-assignment": "yaml-secret-value-123",
    "json-assignment": "json-token-value-456",
    "dotenv-assignment": "env-secret-789xyz",
    "bearer-header": "bearer-token-987zyx",
}

CONFIG_PY = f"""\
AWS_ACCESS_KEY_ID = "{SECRETS["aws-access-key"]}"
aws_secret_access_key = "{SECRETS["aws-secret"]}"
GOOGLE_MAPS_KEY = "{SECRETS["gcp-api-key"]}"
AZURE = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={SECRETS["azure-account-key"]};EndpointSuffix=x"
GH_TOKENS = ["{SECRETS["github-classic"]}", "{SECRETS["github-oauth"]}", "{SECRETS["github-app"]}"]
GH_FINE = "{SECRETS["github-fine-grained"]}"
GITLAB = "{SECRETS["gitlab"]}"
SLACK = "{SECRETS["slack-token"]}"
SLACK_HOOK = "{SECRETS["slack-webhook"]}"
DISCORD_HOOK = "{SECRETS["discord-webhook"]}"
STRIPE = "{SECRETS["stripe"]}"
OPENAI = "{SECRETS["openai"]}"
ANTHROPIC = "{SECRETS["anthropic"]}"
HF = "{SECRETS["huggingface"]}"
NPM = "{SECRETS["npm"]}"
SENDGRID = "{SECRETS["sendgrid"]}"
SESSION = "{SECRETS["jwt"]}"
DATABASE_URL = "postgres://admin:{SECRETS["url-password"]}@db.example.com:5432/app"
password = "{SECRETS["python-assignment"]}"
HEADERS = {{"Authorization": "Bearer {SECRETS["bearer-header"]}"}}
REQUEST_ID = "{UUID}"  # kept: an identifier, not a secret
FIXED_IN = "{OTHER_SHA}"  # kept: a commit
"""
KEY_PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY[::-1]}\n-----END RSA PRIVATE KEY-----\n"
KEY_SSH = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SSH_BODY}\n-----END OPENSSH PRIVATE KEY-----\n"


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    with ProviderServer(hang_seconds=1.0) as s:
        yield s


@pytest.fixture
def leaky_repo(repo: GitRepo) -> GitRepo:
    repo.commit("init", ("README.md", "hello\n"))
    repo.commit(
        f"feat: wire up services\n\nRotated {SECRETS['github-classic']} after the incident.",
        ("src/app_config.py", CONFIG_PY),
        ("deploy/values.yaml", f"service:\n  api_key: {SECRETS['yaml-assignment']}\n  id: {UUID}\n"),
        ("config/settings.json", json.dumps({"token": SECRETS["json-assignment"], "name": "app"}, indent=2)),
        ("deploy/.env.production", f"SECRET_KEY={SECRETS['dotenv-assignment']}\nDEBUG=false\n"),
        ("keys/deploy_rsa", KEY_PEM),
        ("keys/deploy_ed25519", KEY_SSH),
    )
    return repo


def configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[retry]\nbase_delay_seconds = 0.01\nmax_attempts = 2\n[[providers]]\nname = "primary"\nkind = "openai"\n'
        f'base_url = "{base_url}/v1"\napi_key_env = "{KEY_ENV}"\ntimeout_seconds = 2\nrps = 1000\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    monkeypatch.setenv(KEY_ENV, KEY)


def received_text(server: ProviderServer) -> str:
    """Everything the server received in request bodies, raw and JSON-decoded."""
    parts: list[str] = []
    for r in server.requests:
        parts.append(r.body.decode("utf-8", "replace"))
        parts.extend(_strings(r.json))
    return "\n".join(parts)


def _strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []


def test_no_secret_from_the_corpus_reaches_the_server(
    leaky_repo: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(tmp_path, monkeypatch, server.url)
    res = stepper("report", "--format", "json", "--no-cache", cwd=leaky_repo.path)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["provider"] == "primary" and data["redactions"] >= len(SECRETS) - 2
    sent = received_text(server)
    assert len(server.requests) == 1 and "src/app_config.py" in sent
    leaked = sorted(kind for kind, secret in SECRETS.items() if secret in sent)
    assert leaked == []
    assert leaky_repo.head() in sent and OTHER_SHA in sent and UUID in sent


def test_dry_run_shows_the_same_redacted_text(leaky_repo: GitRepo, tmp_path: Path, server: ProviderServer) -> None:
    res = stepper("report", "--dry-run", cwd=leaky_repo.path)
    assert res.code == 0
    assert [kind for kind, secret in SECRETS.items() if secret in res.out] == []
    assert UUID in res.out and "[REDACTED" in res.out and server.requests == []


def test_the_key_is_in_no_file_and_no_output(
    leaky_repo: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    outputs: list[str] = []
    runs = {"ok": ("--verbose",), "401": ("--verbose", "--debug"), "500": ("--format", "json", "--debug")}
    for scenario, flags in runs.items():
        configure(tmp_path, monkeypatch, server.scenario_url(scenario))
        res = stepper_process("report", "--no-cache", *flags, cwd=leaky_repo.path)
        outputs += [res.out, res.err]
    for args in (("providers", "list"), ("providers", "list", "--json"), ("providers", "check", "--json"),
                 ("report", "--dry-run"), ("config", "show"), ("config", "show", "--json")):  # fmt: skip
        res = stepper(*args, cwd=leaky_repo.path)
        outputs += [res.out, res.err]
    assert any(r.headers.get("authorization") == f"Bearer {KEY}" for r in server.requests)  # it was used
    assert not [o for o in outputs if KEY in o]
    files = [p for p in isolated_env.rglob("*") if p.is_file()]
    assert files  # the store, at least
    assert [str(p) for p in files if KEY.encode() in p.read_bytes()] == []

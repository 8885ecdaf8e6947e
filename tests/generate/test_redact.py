"""Redaction of commit evidence: every kind of secret is replaced by its placeholder; hashes, ids and
ordinary code are left alone. All secrets here are fake but well formed, built in the test."""

from __future__ import annotations

import base64
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepper_cli.generate import redact as redaction
from stepper_cli.generate.redact import redact
from stepper_cli.generate.redact_rules import CONTEXTS, FORMATS, Rule
from tests.support.redact_corpus import NEGATIVES, POSITIVES


def fake(sample: str, length: int) -> str:
    """A well-formed fake value: `sample` repeated to exactly `length` characters."""
    return (sample * length)[:length]


GITHUB = "ghp_" + fake("A1b2C3", 36)
AZURE_KEY = fake("Zm9vYmFy+/9", 86) + "=="
AWS_SECRET = fake("wJa1rXUt/K7MDENG+", 40)
JWT = ".".join(
    base64.urlsafe_b64encode(part).decode().rstrip("=")
    for part in (b'{"alg":"HS256","typ":"JWT"}', b'{"sub":"1234567890","name":"Ada"}', b"signature-bytes-0123")
)

SHA256 = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
SHA512 = "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="

# (diff line, the secret in it, the placeholder kind)
SECRETS = [
    (f'+AWS_ACCESS_KEY_ID = "AKIA{fake("Z7Q2XK4P", 16)}"', "AKIA" + fake("Z7Q2XK4P", 16), "aws-access-key"),
    (f"+    aws_access_key_id: ASIA{fake('9QW3', 16)}", "ASIA" + fake("9QW3", 16), "aws-access-key"),
    (f"+aws_secret_access_key = {AWS_SECRET}", AWS_SECRET, "aws-secret-key"),
    (f'+  "SecretAccessKey": "{AWS_SECRET}",', AWS_SECRET, "aws-secret-key"),
    (f'+const firebaseKey = "AIza{fake("Sy9_-Bq", 35)}";', "AIza" + fake("Sy9_-Bq", 35), "gcp-api-key"),
    (
        f'+STORAGE="DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={AZURE_KEY};EndpointSuffix=core.windows.net"',
        AZURE_KEY,
        "azure-storage-key",
    ),
    (f'+storage_account_key = "{AZURE_KEY}"', AZURE_KEY, "azure-storage-key"),
    *[
        (f"+GH_TOKEN={p}_{fake('x9Y8z7', 36)}", f"{p}_{fake('x9Y8z7', 36)}", "github-token")
        for p in ("gho", "ghu", "ghs", "ghr")
    ],
    (f'+token = "{GITHUB}"', GITHUB, "github-token"),
    (
        f"+export GITHUB_PAT=github_pat_11ABCDEFG0{fake('q1W2e3', 12)}_{fake('R4t5Y6', 59)}",
        f"github_pat_11ABCDEFG0{fake('q1W2e3', 12)}_{fake('R4t5Y6', 59)}",
        "github-token",
    ),
    (f"+GITLAB_TOKEN: glpat-{fake('x1Y2z3_-', 20)}", "glpat-" + fake("x1Y2z3_-", 20), "gitlab-token"),
    *[
        (f"+slack_bot = '{p}-1234567890-{fake('AbCd9', 24)}'", f"{p}-1234567890-{fake('AbCd9', 24)}", "slack-token")
        for p in ("xoxb", "xoxp", "xoxa", "xoxs")
    ],
    (
        f"+SLACK_WEBHOOK=https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/{fake('Xy7', 24)}",
        f"https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/{fake('Xy7', 24)}",
        "slack-webhook",
    ),
    *[
        (
            f'+  "webhook": "https://{host}/api/webhooks/123456789012345678/{fake("aB3_-", 68)}"',
            f"https://{host}/api/webhooks/123456789012345678/{fake('aB3_-', 68)}",
            "discord-webhook",
        )
        for host in ("discord.com", "discordapp.com")
    ],
    *[
        (f"+stripe.api_key = '{p}_{fake('4eC39Hq', 24)}'", f"{p}_{fake('4eC39Hq', 24)}", "stripe-key")
        for p in ("sk_live", "sk_test", "rk_live")
    ],
    (f'+OPENAI_API_KEY="sk-{fake("A1b2", 48)}"', "sk-" + fake("A1b2", 48), "openai-key"),
    (f"+client = OpenAI(api_key='sk-proj-{fake('Ab3_-x', 80)}')", "sk-proj-" + fake("Ab3_-x", 80), "openai-key"),
    (
        f"+ANTHROPIC_API_KEY=sk-ant-api03-{fake('Ab3-_z', 93)}AA",
        f"sk-ant-api03-{fake('Ab3-_z', 93)}AA",
        "anthropic-key",
    ),
    (f"+HF_TOKEN=hf_{fake('aB3dEf', 34)}", "hf_" + fake("aB3dEf", 34), "huggingface-token"),
    (f"+//registry.npmjs.org/:_authToken=npm_{fake('aB3d', 36)}", "npm_" + fake("aB3d", 36), "npm-token"),
    (
        f"+SENDGRID_API_KEY=SG.{fake('aB3d_e-F9h', 22)}.{fake('IjK7lMn-_o', 43)}",
        f"SG.{fake('aB3d_e-F9h', 22)}.{fake('IjK7lMn-_o', 43)}",
        "sendgrid-key",
    ),
    (f'+  "id_token": "{JWT}",', JWT, "jwt"),
    ("+DATABASE_URL=postgres://app:Pg-s3cret!@db.internal:5432/app", "Pg-s3cret!", "url-password"),
    ("+CACHE=redis://:r3dis-pass@cache:6379/0", "r3dis-pass", "url-password"),
    ("+uri = 'mongodb+srv://admin:M0ng0-Pa55@cluster0.example.net/db'", "M0ng0-Pa55", "url-password"),
    ('+password = "hunter2!"', "hunter2!", "secret"),
    ('+password = "changeme"', "changeme", "secret"),
    ("+PASSWORD=Tr0ub4dor&3", "Tr0ub4dor&3", "secret"),
    ("+PASSWORD=changeme", "changeme", "secret"),
    ('+  "api_key": "f3b1c9d2e4a5"', "f3b1c9d2e4a5", "secret"),
    ("+  token: 9f8e7d6c5b4a", "9f8e7d6c5b4a", "secret"),
    ("+  password: letmein", "letmein", "secret"),
    ('+\tdb_password := "pg-Passw0rd"', "pg-Passw0rd", "secret"),
    ("-client_secret = 'abcDEF123456'", "abcDEF123456", "secret"),
    ("+apikey=0123abcd9876", "0123abcd9876", "secret"),
    ("+  access_key: AK9x8y7z6w5", "AK9x8y7z6w5", "secret"),
    ('+private_key = "MC4CAQAwBQYDK2VwBCIEI"', "MC4CAQAwBQYDK2VwBCIEI", "secret"),
    ("+SECRET_KEY = 'django-insecure-7h1s-1s-n0t-s4fe'", "django-insecure-7h1s-1s-n0t-s4fe", "secret"),
    ("+spring.datasource.password=s3cr3t-pw", "s3cr3t-pw", "secret"),
    ("+  'password' => 'r0cky-balboa',", "r0cky-balboa", "secret"),
    ('+const apiKey = "k_9d8f7a6b5c4e";', "k_9d8f7a6b5c4e", "secret"),
    ('+    def connect(self, token: str = "t0k3n-default"):', "t0k3n-default", "secret"),
    ('+curl -H "Authorization: Bearer abc123def456ghi"', "abc123def456ghi", "auth-header"),
    ('+resp = get(url, headers={"Authorization": "Bearer tok-9x8y7z6w"})', "tok-9x8y7z6w", "auth-header"),
    ("+Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", "auth-header"),
    ("+    Authorization: token 0a1b2c3d4e5f6a7b", "0a1b2c3d4e5f6a7b", "auth-header"),
]

NOT_SECRETS = [
    "commit 3f9a1c2e4b5d6a7f8e9d0c1b2a3f4e5d6c7b8a9f",
    "Merge: 3f9a1c2 e4b5d6a",
    "index 83db48f..bf269f4 100644",
    "Reverts abc1234, fixes deadbeef.",
    '+id = "550e8400-e29b-41d4-a716-446655440000"',
    f'+    "integrity": "sha512-{SHA512}",',
    f'+hash = "sha256:{SHA256}"',
    f'+    {{file = "rich-13.7.1-py3-none-any.whl", hash = "sha256:{SHA256}"}},',
    "+golang.org/x/text v0.14.0 h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=",
    '+checksum = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"',
    "+  integrity sha1-L4mCm/jYqJ8CzD3w1mJ2L2k+Ghk=",
    "+password_field = form.password",
    "+token = get_token()",
    "+if password is None:",
    '+secret_name = "db"',
    '+token_type = "bearer"',
    '+password = os.environ["DB_PASSWORD"]',
    '+api_key = os.getenv("OPENAI_API_KEY")',
    "+const apiKey = process.env.OPENAI_API_KEY;",
    "+PASSWORD=${DB_PASSWORD}",
    "+        GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
    '+  password: "{{ vault_db_password }}"',
    '+password = ""',
    "+token = None",
    "+  api_key: null",
    '+  "password": "<your-password>"',
    '+password = "***"',
    "+TOKEN=xxx",
    '+api_key = "..."',
    '+password = "[REDACTED:secret]"',
    "+    password: str",
    "+    token: Optional[str] = None",
    "+def login(user: str, password: str) -> bool:",
    "+client = Client(api_key=api_key)",
    "+password = new_password",
    "+max_tokens = 4096",
    "+password_min_length = 12",
    '+if token == "":',
    '+headers = {"Authorization": f"Bearer {token}"}',
    '+curl -H "Authorization: Bearer $TOKEN"',
    '+url = "https://example.com:8080/path"',
    "+git clone git@github.com:org/repo.git",
    '+spinner = "sk-spinner-double-bounce-container"',
    '+print("Enter password: " + prompt + "!")',
    "+    :param token: the token returned by the server",
]


@pytest.mark.parametrize(("line", "secret", "kind"), SECRETS, ids=[f"{k}-{i}" for i, (_, _, k) in enumerate(SECRETS)])
def test_a_secret_in_a_diff_line_is_replaced_by_its_kind_and_nothing_else(line: str, secret: str, kind: str) -> None:
    hunk = "@@ -1,2 +1,3 @@\n context line\n"
    out, count = redact(f"{hunk}{line}\n")
    assert secret not in out
    assert out == hunk + line.replace(secret, f"[REDACTED:{kind}]") + "\n"
    assert count == 1


@pytest.mark.parametrize("line", NOT_SECRETS)
def test_hashes_ids_and_ordinary_code_are_left_alone(line: str) -> None:
    assert redact(line + "\n") == (line + "\n", 0)


def test_an_assignment_keeps_its_key_and_quotes_so_a_reader_sees_what_changed() -> None:
    assert redact('+    db_password = "pg-Passw0rd"  # dev only') == (
        '+    db_password = "[REDACTED:secret]"  # dev only',
        1,
    )


def test_a_url_password_is_replaced_but_scheme_user_and_host_survive() -> None:
    out, count = redact("+DATABASE_URL=postgres://app_user:Pg-s3cret!@db.internal:5432/app")
    assert out == "+DATABASE_URL=postgres://app_user:[REDACTED:url-password]@db.internal:5432/app"
    assert count == 1


def test_an_authorization_header_keeps_its_scheme() -> None:
    out, _ = redact('headers={"Authorization": "Bearer tok-9x8y7z6w"}')
    assert out == 'headers={"Authorization": "Bearer [REDACTED:auth-header]"}'


def _pem_body(seed: bytes, lines: int) -> list[str]:
    return textwrap.wrap(base64.b64encode(seed * 200).decode(), 64)[:lines]


@pytest.mark.parametrize(
    ("label", "marker", "headers"),
    [
        ("RSA PRIVATE KEY", "+", []),
        ("OPENSSH PRIVATE KEY", "-", []),
        ("EC PRIVATE KEY", " ", []),
        ("PRIVATE KEY", "+", []),
        ("ENCRYPTED PRIVATE KEY", "+", []),
        ("RSA PRIVATE KEY", "+", ["Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,3F17F5316E2BAC89", ""]),
        ("PGP PRIVATE KEY BLOCK", "+", ["Version: GnuPG v2", ""]),
    ],
)
def test_a_private_key_block_in_a_diff_leaves_nothing_of_its_body(label: str, marker: str, headers: list[str]) -> None:
    body = _pem_body(label.encode() + b"\x00\x01\xfe", 12)
    block = [f"-----BEGIN {label}-----", *headers, *body, f"-----END {label}-----"]
    diff = "\n".join(["@@ -0,0 +1,20 @@", " import os", *(marker + line for line in block), " print('done')", ""])
    out, count = redact(diff)
    assert count == 1
    assert out == f"@@ -0,0 +1,20 @@\n import os\n{marker}[REDACTED:private-key]\n print('done')\n"
    assert not any(line in out for line in body)


def test_a_private_key_written_with_escaped_newlines_in_a_string_is_replaced_whole() -> None:
    body = _pem_body(b"json-embedded-key", 6)
    key = "\\n".join(["-----BEGIN PRIVATE KEY-----", *body, "-----END PRIVATE KEY-----"])
    out, count = redact(f'+  "private_key": "{key}\\n",')
    assert out == '+  "private_key": "[REDACTED:private-key]\\n",'
    assert count == 1


def test_a_truncated_private_key_still_loses_its_body() -> None:
    body = _pem_body(b"cut-by-the-budget", 8)
    out, count = redact("\n".join(["+-----BEGIN RSA PRIVATE KEY-----", *("+" + line for line in body)]))
    assert (out, count) == ("+[REDACTED:private-key]", 1)


def test_every_secret_in_a_commit_is_counted() -> None:
    text = "\n".join(line for line, _, _ in SECRETS)
    out, count = redact(text)
    assert count == len(SECRETS)
    assert not any(secret in out for _, secret, _ in SECRETS)


def test_redacting_twice_replaces_nothing_more() -> None:
    text = "\n".join([*(line for line, _, _ in SECRETS), *NOT_SECRETS])
    once, _ = redact(text)
    assert redact(once) == (once, 0)


@given(before=st.text(), after=st.text())
def test_a_planted_token_never_survives_whatever_surrounds_it(before: str, after: str) -> None:
    out, count = redact(before + GITHUB + after)
    assert GITHUB not in out
    assert count >= 1


SECRETISH = st.sampled_from(
    [
        *("password", "TOKEN", "api_key", "=", ": ", " ", "\n", "+", "-", '"', "'", "(", ")", ",", "[", "]"),
        *("://u:", "@h", "Authorization: Bearer ", "abc", "a1", "str", "None", "$", "sk-", "eyJ", ".", GITHUB, JWT),
    ]
)


@given(st.lists(SECRETISH, max_size=30).map("".join))
def test_redacting_its_own_output_again_changes_nothing(text: str) -> None:
    once, _ = redact(text)
    assert redact(once) == (once, 0)


def test_several_megabytes_of_diff_are_redacted_and_counted() -> None:
    chunk = "".join(
        [
            "diff --git a/app/settings.py b/app/settings.py\n",
            "@@ -10,6 +10,7 @@ import os\n",
            *(f"+VALUE_{i} = compute({i}, 'sha256:{i:064x}')\n" for i in range(40)),
            f'+GITHUB_TOKEN = "{GITHUB}"\n',
            "+password = os.environ['DB_PASSWORD']\n",
        ]
    )
    copies = 3_000_000 // len(chunk) + 1
    out, count = redact(chunk * copies)
    assert count == copies
    assert GITHUB not in out
    assert out.count('+GITHUB_TOKEN = "[REDACTED:github-token]"') == copies


@pytest.mark.parametrize(
    ("line", "secret", "kind"), POSITIVES, ids=[f"{k}-{i}" for i, (_, _, k) in enumerate(POSITIVES)]
)
def test_every_kind_of_the_recall_corpus_is_replaced_and_nothing_else(line: str, secret: str, kind: str) -> None:
    out, count = redact(line + "\n")
    assert (out, count) == (line.replace(secret, f"[REDACTED:{kind}]") + "\n", 1)


@pytest.mark.parametrize("line", NEGATIVES)
def test_labels_references_counts_hashes_and_public_keys_of_the_corpus_are_left_alone(line: str) -> None:
    assert redact(line + "\n") == (line + "\n", 0)


def test_the_whole_corpus_in_one_diff_loses_every_secret_and_keeps_every_other_line() -> None:
    text = "\n".join(line for pair in zip(NEGATIVES, POSITIVES, strict=False) for line in (pair[0], pair[1][0]))
    text += "\n" + "\n".join(line for line, _, _ in POSITIVES[len(NEGATIVES) :]) + "\n"
    out, count = redact(text)
    assert count == len(POSITIVES)
    assert not any(secret in out for _, secret, _ in POSITIVES)
    assert all(line + "\n" in out for line in NEGATIVES)
    assert redact(out) == (out, 0)


def test_a_pgpass_password_may_hold_an_escaped_colon() -> None:
    assert redact("+db:5432:app:svc:pa\\:ss-w0rd\n") == ("+db:5432:app:svc:[REDACTED:pgpass]\n", 1)


def test_a_docker_auth_value_that_is_not_base64_of_a_user_and_password_is_kept() -> None:
    assert redact('+  "auth": "required"\n')[1] == 0
    assert redact(f'+  "auth": "{base64.b64encode(b"u:p4ss-w0rd").decode()}"\n')[1] == 1


def test_importing_redaction_compiles_no_pattern_and_a_text_without_candidates_only_the_keyword_search() -> None:
    code = (
        "import re; calls = []; c = re.compile\n"
        "re.compile = lambda *a, **k: (calls.append(a[0]), c(*a, **k))[1]\n"
        "import stepper_cli.generate.redact as r\n"
        "print(len(calls))\n"
        "r.redact('+    return sum(item.price for item in items)\\n' * 500)\n"
        "print(len(calls))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", str(len(redaction._anchor_scans()))]  # the keyword search: one pattern an anchor


def test_a_text_without_any_keyword_runs_no_rule() -> None:
    redaction._scans.cache_clear()
    assert redact("+    return sum(item.price for item in items)\n" * 500)[1] == 0
    assert redaction._scans.cache_info().currsize == 0


def test_only_the_rules_whose_keyword_appears_are_compiled() -> None:
    redaction._scans.cache_clear()
    redact(f"+{GITHUB}\n")
    assert redaction._scans.cache_info().currsize == 1
    github = tuple(i for i, rule in enumerate(FORMATS) if "ghp_" in rule.starts)
    redaction._scans(FORMATS, github)
    assert redaction._scans.cache_info().hits == 1  # what the text selected: the GitHub rule alone


# rules whose keyword is a word of the context rather than part of the match: `curl -u user:pw` (plain `-u` is
# everywhere in shell), `hex.DecodeString(` (the Go package name is in the text, not in the start)
CONTEXT_KEYWORDS = {("basic-auth", "-u"), ("basic-auth", "--user"), ("hex-key", "DecodeString(")}


@pytest.mark.parametrize("rule", [*FORMATS, *CONTEXTS], ids=lambda rule: rule.kind)
def test_every_start_of_a_rule_holds_one_of_its_keywords_so_the_prefilter_never_hides_a_match(rule: Rule) -> None:
    assert all(k == k.lower() for k in rule.keywords) and rule.keywords
    for start in rule.starts:
        assert any(k in start.lower() for k in rule.keywords) or (rule.kind, start) in CONTEXT_KEYWORDS


KEYWORD_BITS = st.sampled_from(
    sorted(
        {
            *redaction._KEYWORDS,
            *(k[: len(k) // 2] for k in redaction._KEYWORDS),
            *(k[1:] for k in redaction._KEYWORDS),
            " ",
        }
    )
)


@given(st.lists(KEYWORD_BITS, max_size=40).map("".join))
def test_the_one_pass_keyword_search_finds_what_a_search_for_each_keyword_finds(text: str) -> None:
    assert redaction._keywords_in(text) == {k for k in redaction._KEYWORDS if k in text}


def test_the_anchors_are_the_rarest_set_of_characters_that_every_keyword_holds_one_of() -> None:
    """The least total frequency of a set of characters covering every keyword, by branch and bound."""
    words = sorted({frozenset(k) for k in redaction._KEYWORDS}, key=len)
    best: list[Any] = [float("inf"), None]

    def cover(chosen: frozenset[str], cost: float) -> None:
        left = [w for w in words if not w & chosen]
        if cost >= best[0] or not left:
            best[:] = [cost, chosen] if cost < best[0] else best
            return
        for char in sorted(left[0], key=redaction._FREQUENCY.__getitem__):
            cover(chosen | {char}, cost + redaction._FREQUENCY[char])

    cover(frozenset(), 0.0)
    assert set(redaction.ANCHORS) == best[1]
    assert all(set(k) & best[1] for k in redaction._KEYWORDS)

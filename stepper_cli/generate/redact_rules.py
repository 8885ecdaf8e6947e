"""The secrets redaction looks for, as data: plain strings, compiled only when a text holds a rule's keyword.

Each rule has lower-case `keywords` (as gitleaks rules do): it runs on a text only when one of them appears in the
lower-cased text, so a diff without candidates costs a few substring searches. A rule's `pattern` is a regular
expression; its group named `value`, when it has one, is the secret, otherwise the whole match is.

FORMATS are secrets wherever they appear (a `ghp_…` token, a private key block); CONTEXTS are secrets because of
what surrounds them (the password of a URL, an `Authorization` header, a `password = …` assignment).
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Rule(NamedTuple):
    """A secret of one kind, tried only on texts holding one of `keywords`: one of the literal `starts` then the
    regex `rest` (or, with no `starts`, `rest` alone, for the few formats that open with no fixed text)."""

    kind: str
    keywords: tuple[str, ...]
    starts: tuple[str, ...]
    rest: str


def _prefixed(kind: str, starts: tuple[str, ...], rest: str, keywords: tuple[str, ...] = ()) -> Rule:
    """A rule opening with one of the literal `starts`; unless told, its keywords are the starts."""
    return Rule(kind, keywords or tuple(s.lower() for s in starts), starts, rest)


def _after_boundary(*starts: str) -> str:
    """Check that the start just matched does not continue a word (lookbehinds placed after the literal, so the
    literal stays at the head). A `]` counts as a word: a second run must judge a placeholder the same."""
    return "".join(f"(?<![A-Za-z0-9\\]]{re.escape(start)})" for start in starts)


def _spellings(*names: str) -> tuple[str, ...]:
    """Every usual spelling of each name: api_key, API_KEY, Api-Key, API-Key, apiKey, ApiKey, apikey, APIKEY."""
    found = set()
    for words in (name.split() for name in names):
        found.add(words[0] + "".join(w.capitalize() for w in words[1:]))
        for joiner in ("_", "-", ""):
            found.update(joiner.join(map(case, words)) for case in (str.lower, str.upper, str.capitalize))
            found.add(joiner.join([words[0].upper(), *map(str.capitalize, words[1:])]))
    return tuple(sorted(found))


_PEM_LABEL = r"[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----"
_ESCAPED_NL = r"(?:\\{1,2}r)?\\{1,2}n"  # `\n` written in a string, or `\\n` in a string inside a string
_PEM_BREAK = rf"(?:\r?\n[-+ ]?[ \t]*|{_ESCAPED_NL})"  # a newline (maybe then a diff marker) or an escaped one
_PEM_LINE = rf"(?!-----END)(?:[A-Za-z0-9+/=]+|[A-Za-z-]+:[^\r\n\\]*)?(?=[\r\n]|{_ESCAPED_NL}|$)"  # base64 or header
_END = r"(?![A-Za-z0-9_-])"

FORMATS = (
    _prefixed(
        "private-key",
        ("-----BEGIN",),
        rf"{_PEM_LABEL}(?:{_PEM_BREAK}{_PEM_LINE})*(?:{_PEM_BREAK}-----END{_PEM_LABEL})?",
    ),
    _prefixed("aws-access-key", ("AKIA", "ASIA", "ABIA", "ACCA"), r"[A-Z0-9]{16}"),
    _prefixed("gcp-api-key", ("AIza",), r"[A-Za-z0-9_-]{35}"),
    _prefixed("github-token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"[A-Za-z0-9]{36,}"),
    _prefixed("github-token", ("github_pat_",), r"[A-Za-z0-9_]{22,}"),
    _prefixed("gitlab-token", ("glpat-", "gldt-", "glptt-", "glrt-", "glcbt-", "glsoat-"), r"[A-Za-z0-9_-]{20,}"),
    _prefixed("slack-webhook", ("https://hooks.slack.com/",), r"(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
    _prefixed(
        "slack-token", ("xoxa-", "xoxb-", "xoxe-", "xoxo-", "xoxp-", "xoxr-", "xoxs-", "xapp-"), r"[A-Za-z0-9-]{10,}"
    ),
    _prefixed(
        "discord-webhook",
        tuple(f"https://{host}.com/api/" for host in ("discord", "discordapp", "ptb.discord", "canary.discord")),
        r"(?:v\d+/)?webhooks/\d+/[A-Za-z0-9_-]+",
        ("discord",),
    ),
    _prefixed("stripe-key", ("sk_live_", "sk_test_", "rk_live_", "rk_test_"), r"[A-Za-z0-9]{16,}"),
    _prefixed("stripe-key", ("whsec_",), r"[A-Za-z0-9]{20,}"),
    _prefixed("anthropic-key", ("sk-ant-",), r"[A-Za-z0-9_-]{20,}"),
    # legacy keys are 48 letters and digits; project, service-account and admin keys carry their word first
    _prefixed(
        "openai-key",
        ("sk-",),
        _after_boundary("sk-") + r"(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|(?=[A-Za-z]{0,40}[0-9])[A-Za-z0-9]{20,}"
        r"(?:[_-][A-Za-z0-9_-]*)?)",
    ),
    _prefixed("huggingface-token", ("hf_",), r"[A-Za-z0-9]{30,}"),
    _prefixed("npm-token", ("npm_",), r"[A-Za-z0-9]{36,}"),
    _prefixed("sendgrid-key", ("SG.",), _after_boundary("SG.") + r"[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"),
    _prefixed(
        "jwt",
        ("eyJ",),
        _after_boundary("eyJ") + r"[A-Za-z0-9_-]{8,1024}+\.ey[A-Za-z0-9_-]{8,16384}+\.[A-Za-z0-9_-]{0,2048}",
    ),
    _prefixed("pypi-token", ("pypi-AgEIcHlwaS5vcmc",), r"[A-Za-z0-9_-]{50,}"),
    _prefixed("shopify-token", ("shpat_", "shpca_", "shppa_", "shpss_"), r"[a-fA-F0-9]{32}"),
    _prefixed("digitalocean-token", ("dop_v1_", "doo_v1_", "dor_v1_"), r"[a-f0-9]{64}"),
    _prefixed("databricks-token", ("dapi",), _after_boundary("dapi") + r"[a-f0-9]{32}(?:-\d)?" + _END),
    _prefixed("age-secret-key", ("AGE-SECRET-KEY-1",), r"[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    _prefixed("vault-token", ("hvs.", "hvb."), _after_boundary("hvs.", "hvb.") + r"[A-Za-z0-9_-]{90,300}"),
    _prefixed("grafana-token", ("glsa_",), r"[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"),
    _prefixed("grafana-token", ("glc_",), r"[A-Za-z0-9+/]{32,400}={0,3}"),
    _prefixed("doppler-token", ("dp.pt.",), r"[A-Za-z0-9]{43}"),
    _prefixed("linear-key", ("lin_api_",), r"[A-Za-z0-9]{40}"),
    _prefixed("postman-key", ("PMAK-",), r"[a-fA-F0-9]{24}-[a-fA-F0-9]{34}"),
    _prefixed("pulumi-token", ("pul-",), _after_boundary("pul-") + r"[a-f0-9]{40}" + _END),
    _prefixed("sentry-token", ("sntryu_",), r"[a-f0-9]{64}"),
    _prefixed("sentry-token", ("sntrys_",), r"eyJ[A-Za-z0-9+/=_]{40,400}"),
    _prefixed("google-oauth-secret", ("GOCSPX-",), r"[A-Za-z0-9_-]{28}"),
    _prefixed("heroku-key", ("HRKU-AA",), r"[A-Za-z0-9_-]{58}"),
    Rule("telegram-token", (":aa",), (), r"(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_-]{33}"),
    Rule("azure-ad-secret", ("q~",), (), r"(?<![A-Za-z0-9_~.])[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}"),
)

_SEPARATOR = r"[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?"
_ANNOTATED = r":[ \t]*[A-Za-z_][\w.\[\] |]{0,60}?[ \t]*=(?!=)"  # `password: str = "…"`, `val token: String = …`
_GO_TYPED = r"[ \t]+(?:\*|\[\])?(?:string|byte)[ \t]*=(?!=)"  # `var dbPass string = "…"`
_QUOTED = r"""(?:[bBrRuUfF]{1,2})?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\\n]|\\.)*`)"""
_BARE = r"""[^\s"'`,;()\[\]{}]+"""
_ASSIGNED = rf"(?:\"[ \t]*,|'[ \t]*,|[\"']?[ \t]*(?:{_ANNOTATED}|{_GO_TYPED}|:=|=>|=(?!=)|:(?!:)))[ \t]*"
_VALUE = rf"(?P<value>{_QUOTED}|{_BARE})"
_SECRET_NAMES = ("password", "passwd", "passphrase", "secret", "secret key base", "token")
_KEY_NAMES = ("api key", "access key", "private key", "secret key")

CONTEXTS = (
    _prefixed(
        "aws-secret-key",
        _spellings("aws secret access key", "aws secret key", "secret access key"),
        _SEPARATOR + r"(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        ("secret",),
    ),
    _prefixed(
        "azure-storage-key",
        _spellings("account key", "shared access key", "storage key", "storage account key"),
        _SEPARATOR + r"(?P<value>[A-Za-z0-9+/]{20,}={0,2})",
        ("key",),
    ),
    _prefixed("azure-sas", ("sig=",), r"(?<=[?&;]sig=)(?P<value>[A-Za-z0-9%+/=]{20,})"),
    _prefixed("url-password", ("://",), r"[^\s:/@\"'`<>\[\]]{0,256}:(?P<value>[^\s/\"'`<>]{1,256})@(?=[A-Za-z0-9\[])"),
    _prefixed(
        "auth-header",
        _spellings("authorization", "proxy authorization"),
        r"[\"']?[ \t]*[:=][ \t]*[\"']?(?i:bearer|basic|token|digest|bot)[ \t]+(?P<value>[A-Za-z0-9._~+/=-]+)",
        ("authorization",),
    ),
    # docker config.json `"auth": "<base64 of user:password>"`, .npmrc `_auth=…`, `curl -u user:password`
    _prefixed("basic-auth", ('"auth"',), r"[ \t]*:[ \t]*\"(?P<value>[A-Za-z0-9+/]{8,}={0,2})\""),
    _prefixed("basic-auth", ("_auth=",), _after_boundary("_auth=") + r"(?P<value>[A-Za-z0-9+/]{8,}={0,2})"),
    _prefixed(
        "basic-auth",
        ("-u", "--user"),
        r"(?:(?<=\s-u)|(?<=\s--user))(?:[ \t]+|=)[\"']?[\w.@+-]{1,64}:(?P<value>[^\s\"'@]{3,})",
        ("curl",),
    ),
    _prefixed(
        "hex-key",
        ("fromhex(", "unhexlify(", "a2b_hex(", "DecodeString("),
        r"[ \t]*[bBrR]?[\"'`](?P<value>[0-9a-fA-F]{32,})[\"'`]",
        ("hex",),
    ),
    # .netrc: `machine HOST login USER password SECRET`
    _prefixed("secret", ("machine",), r"[ \t]+\S+[ \t]+login[ \t]+\S+[ \t]+password[ \t]+(?P<value>\S+)"),
    # a key ending with a secret word; `pass` and `pwd` only as a word of their own (`db_pass`, `dbPass`, `PWD`,
    # not `bypass`)
    Rule("secret", ("pass", "secret", "token"), _spellings(*_SECRET_NAMES), _ASSIGNED + _VALUE),
    Rule("secret", ("key",), _spellings(*_KEY_NAMES), _ASSIGNED + _VALUE),
    Rule(
        "secret",
        ("pass", "pwd"),
        ("pass", "PASS", "pwd", "PWD"),
        _after_boundary("pass", "PASS", "pwd", "PWD") + _ASSIGNED + _VALUE,
    ),
    Rule("secret", ("pass", "pwd"), ("Pass", "Pwd"), "(?<![A-Z0-9]Pass)(?<![A-Z0-9]Pwd)" + _ASSIGNED + _VALUE),
    # a .pgpass line: host:port:database:user:password (`*` for any; the password may escape `:` as `\:`)
    Rule(
        "pgpass",
        ("pgpass", ":5432:", ":*:"),
        (),
        r"(?<![\w.:/@*\[\]-])(?:\*|[A-Za-z0-9][\w.-]*|\[[0-9A-Fa-f:.]+\]):(?:[0-9]{1,5}|\*)"
        r":(?:\*|[\w.$-]*[A-Za-z_$][\w.$-]*):(?:\*|[\w.@$-]*[A-Za-z_$][\w.@$-]*)"
        r":(?P<value>(?:\\.|[^\s\\:\"'`])+)(?=[\s\"'`]|$)",
    ),
)

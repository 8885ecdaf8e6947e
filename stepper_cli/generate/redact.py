"""Replace secrets in commit evidence (diff text, messages) with `[REDACTED:<kind>]` before it leaves.

Two passes, each one combined regular expression compiled at import:

1. Formats that are a secret wherever they appear (a `ghp_…` token, a private key block): the whole
   match is replaced.
2. Values that are a secret because of their context (the password in a URL, an `Authorization`
   header, a `password = …` assignment): only the value is replaced, so a reader still sees what
   changed. Formats go first so they keep their precise kind and no kept context can hide them.

A value in context is kept when it is not a secret but a reference to one: empty, `None`/`null`/
`true`, a number of up to five digits (`token = 0`), a placeholder (`<your-token>`, `***`, `xxx`,
`...`), an interpolation (`${VAR}`, `{{ x }}`, `%(x)s`, `{name}`), an earlier `[REDACTED:…]`, or,
unquoted, code (`get_token()`, `form.password`, `os.environ["X"]`). A string literal is a secret,
even `"changeme"`. An unquoted word without digits reads as a name (`password = new_password`,
`password: str`, `f(token=token)`) except as `key=word` without spaces (.env, shell, .properties)
and as the last thing on a YAML `key: word` line, where it is the value itself. A key must end with
the secret word: `secret_name = "db"` and `token_type = "bearer"` are kept.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Rule(NamedTuple):
    """A secret of one kind: one of `starts` (literal text), then the regex `rest`. If `rest` has a
    group named `value`, only that group is the secret; otherwise the whole match is."""

    kind: str
    starts: tuple[str, ...]
    rest: str


def _not_in_word(start: str) -> str:
    """Check that `start`, just matched, does not continue a word (after it, so `re` can skip to it).
    A `]` counts as a word: what follows a placeholder must be judged the same on a second run."""
    return f"(?<![A-Za-z0-9\\]]{re.escape(start)})"


def _spellings(*names: str) -> tuple[str, ...]:
    """Every usual spelling of each name: api_key, API_KEY, Api-Key, apiKey, ApiKey, apikey, APIKEY."""
    found = set()
    for words in (name.split() for name in names):
        found.add(words[0] + "".join(w.capitalize() for w in words[1:]))
        for case in (str.lower, str.upper, str.capitalize):
            found.update(joiner.join(map(case, words)) for joiner in ("_", "-", ""))
    return tuple(sorted(found))


_PEM_LABEL = r"[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----"
_PEM_BREAK = r"(?:\r?\n[-+ ]?[ \t]*|(?:\\r)?\\n)"  # a newline, maybe then a diff marker, or an escaped `\n`
_PEM_LINE = r"(?!-----END)(?:[A-Za-z0-9+/=]+|[A-Za-z-]+:[^\r\n\\]*)?(?=[\r\n]|(?:\\r)?\\n|$)"  # base64 or header

#: secrets by their format alone; the whole match is replaced
FORMATS = (
    Rule(
        "private-key",
        ("-----BEGIN",),
        rf"{_PEM_LABEL}(?:{_PEM_BREAK}{_PEM_LINE})*(?:{_PEM_BREAK}-----END{_PEM_LABEL})?",
    ),
    Rule("aws-access-key", ("AKIA", "ASIA", "ABIA", "ACCA"), r"[A-Z0-9]{16}"),
    Rule("gcp-api-key", ("AIza",), r"[A-Za-z0-9_-]{35}"),
    Rule("github-token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"[A-Za-z0-9]{36,}"),
    Rule("github-token", ("github_pat_",), r"[A-Za-z0-9_]{22,}"),
    Rule("gitlab-token", ("glpat-", "gldt-", "glptt-", "glrt-"), r"[A-Za-z0-9_-]{20,}"),
    Rule("slack-webhook", ("https://hooks.slack.com/",), r"(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
    Rule("slack-token", ("xoxa-", "xoxb-", "xoxe-", "xoxo-", "xoxp-", "xoxr-", "xoxs-", "xapp-"), r"[A-Za-z0-9-]{10,}"),
    Rule(
        "discord-webhook",
        tuple(f"https://{host}.com/api/" for host in ("discord", "discordapp", "ptb.discord", "canary.discord")),
        r"(?:v\d+/)?webhooks/\d+/[A-Za-z0-9_-]+",
    ),
    Rule("stripe-key", ("sk_live_", "sk_test_", "rk_live_", "rk_test_"), r"[A-Za-z0-9]{16,}"),
    Rule("stripe-key", ("whsec_",), r"[A-Za-z0-9]{20,}"),
    Rule("anthropic-key", ("sk-ant-",), r"[A-Za-z0-9_-]{20,}"),
    Rule("openai-key", ("sk-",), _not_in_word("sk-") + r"(?=[A-Za-z_-]{0,64}[0-9])[A-Za-z0-9_-]{20,}"),
    Rule("huggingface-token", ("hf_",), r"[A-Za-z0-9]{30,}"),
    Rule("npm-token", ("npm_",), r"[A-Za-z0-9]{36,}"),
    Rule("sendgrid-key", ("SG.",), _not_in_word("SG.") + r"[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"),
    Rule(
        "jwt",
        ("eyJ",),
        _not_in_word("eyJ") + r"[A-Za-z0-9_-]{8,1024}+\.ey[A-Za-z0-9_-]{8,16384}+\.[A-Za-z0-9_-]{0,2048}",
    ),
)

_SEPARATOR = r"[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?"
_ANNOTATED = r":[ \t]*[A-Za-z_][\w.\[\] |]{0,60}?[ \t]*=(?!=)"  # `password: str = "…"`
_QUOTED = r"""(?:[bBrRuUfF]{1,2})?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\\n]|\\.)*`)"""
_BARE = r"""[^\s"'`,;()\[\]{}]+"""

#: secrets by their context; only the group named `value` is replaced
CONTEXTS = (
    Rule(
        "aws-secret-key",
        _spellings("aws secret access key", "aws secret key", "secret access key"),
        _SEPARATOR + r"(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
    ),
    Rule(
        "azure-storage-key",
        _spellings("account key", "shared access key", "storage key", "storage account key"),
        _SEPARATOR + r"(?P<value>[A-Za-z0-9+/]{20,}={0,2})",
    ),
    Rule("url-password", ("://",), r"[^\s:/@\"'`<>\[\]]{0,256}:(?P<value>[^\s/\"'`<>]{1,256})@(?=[A-Za-z0-9\[])"),
    Rule(
        "auth-header",
        _spellings("authorization", "proxy authorization"),
        r"[\"']?[ \t]*[:=][ \t]*[\"']?(?i:bearer|basic|token|digest|bot)[ \t]+(?P<value>[A-Za-z0-9._~+/=-]+)",
    ),
    Rule(
        "secret",
        _spellings(
            "password", "passwd", "passphrase", "secret", "token", "api key", "access key", "private key", "secret key"
        ),
        rf"[\"']?[ \t]*(?:{_ANNOTATED}|:=|=>|=(?!=)|:(?!:))[ \t]*(?P<value>{_QUOTED}|{_BARE})",
    ),
)

_NOT_SECRET = re.compile(
    r"""
      (?:\s.*)?                         # empty, or the gap between two literals: "Token: " + t
    | \[.*\] | .*\[REDACTED:.*          # a [placeholder], or a value holding an earlier redaction
    | [-*xX•._]+ | <.*> | (?i:your[-_ ].*)  # placeholders: ***, xxx, ..., <token>, your-api-key
    | (?i:none|null|nil|true|false|undefined) | ~ | -?\d{1,5}  # keywords, sentinels and counts
    | .*(?:\$\{|\$\(|\{\{|%\(|\{[\w.]*\}).*  # interpolations: ${VAR}, $(cmd), {{ x }}, %(x)s, {name}
    | \$\w* | %\w+% | %[sd]             # $VAR, %VAR%, printf
    """,
    re.VERBOSE,
)
_NAME = re.compile(r"[A-Za-z_$]+")
_CODE = re.compile(r"[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)+")  # form.password, env::var
_TYPE_NAMES = {"str", "string", "bytes", "int", "float", "bool", "boolean", "number", "object", "any", "unknown"}
_QUOTES = "\"'`"

Scan = tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]


def _compile(rules: tuple[Rule, ...]) -> Scan:
    # One alternation with a literal at the head of every branch is what lets `re` skip ahead fast;
    # at each match, the first rule matching there names the kind (the alternation chose it too).
    branches = (f"{re.escape(s)}(?:{rule.rest.replace('(?P<value>', '(?:')})" for rule in rules for s in rule.starts)
    each = tuple((rule.kind, re.compile(f"(?:{'|'.join(map(re.escape, rule.starts))}){rule.rest}")) for rule in rules)
    return re.compile("|".join(branches)), each


_SCANS = (_compile(FORMATS), _compile(CONTEXTS))


def redact(text: str) -> tuple[str, int]:
    """Return text with every secret replaced by a placeholder, and how many were replaced."""
    count = 0
    for scan in _SCANS:
        text, found = _substitute(scan, text)
        count += found
    return text, count


def _substitute(scan: Scan, text: str) -> tuple[str, int]:
    combined, rules = scan
    count = 0

    def replace(found: re.Match[str]) -> str:
        nonlocal count
        kind, match = next((kind, m) for kind, rule in rules if (m := rule.match(text, found.start())))
        replaced = _replacement(kind, match)
        if replaced is None:
            return found.group()
        count += 1
        return replaced

    return combined.sub(replace, text), count


def _replacement(kind: str, match: re.Match[str]) -> str | None:
    """The match with its secret replaced, or None when what matched is not a secret."""
    placeholder = f"[REDACTED:{kind}]"
    if "value" not in match.re.groupindex:
        return placeholder
    text, start, end = match.string, *match.span("value")
    value, head = text[start:end], text[match.start() : start]
    if value[-1] in _QUOTES:  # only a quoted value ends in a quote
        opening = value.index(value[-1]) + 1
        if _NOT_SECRET.fullmatch(value[opening:-1]):
            return None
        value = value[:opening] + placeholder + value[-1]
    elif _NOT_SECRET.fullmatch(value) or (kind == "secret" and _is_code(match)):
        return None
    else:
        value = placeholder
    return head + value + text[end : match.end()]


def _is_code(match: re.Match[str]) -> bool:
    """Whether an unquoted value is code (a call, attribute, name or type) rather than a literal."""
    text, start, end = match.string, *match.span("value")
    value, head = text[start:end], text[match.start() : start]
    before = text[max(0, match.start() - 200) : match.start()].rsplit("\n", 1)[-1]
    after = text[end : end + 200].split("\n", 1)[0]
    if after[:1] in ("(", "[") or _CODE.fullmatch(value):
        return True
    if not _NAME.fullmatch(value):  # digits or symbols: a literal
        return False
    if after[:1] in (",", ";", ")", "]", "}") or "(" in before or "," in before:  # f(token=token)
        return True
    if re.search(r"[^\s:=>]=$", head):  # KEY=word: .env, INI and shell write literals this way
        return False
    if head.rstrip().endswith(":") and not after.split("#", 1)[0].strip():
        return value in _TYPE_NAMES or value[0].isupper()  # YAML `password: hunter`, not `password: str`
    return True

"""Replace secrets in commit evidence (diff text, messages) with `[REDACTED:<kind>]` before it leaves.

The rules are data (redact_rules.py). Importing this module compiles nothing; a text is first lower-cased and
searched for the rules' keywords (one pattern that stops only at a few rare characters), and only the rules
whose keyword appears are compiled (once per set, then cached) into one alternation, as gitleaks does. Two passes:

1. Formats that are a secret wherever they appear (a `ghp_…` token, a private key block): the whole
   match is replaced.
2. Values that are a secret because of their context (the password in a URL, an `Authorization`
   header, a `password = …` assignment): only the value is replaced, so a reader still sees what
   changed. Formats go first so they keep their precise kind and no kept context can hide them.

A value in context is kept when it is not a secret but a reference to one or a label: empty, `None`/`null`/
`true`, a number of up to five digits (`token = 0`), any number under a key that counts (`MAX_TOKEN = 131072`),
a placeholder (`<your-token>`, `***`, `xxx`, `...`), an interpolation (`${VAR}`, `{{ x }}`, `%(x)s`, `{name}`),
a YAML tag (`!vault`), an earlier `[REDACTED:…]`, a key naming an existing secret (`existingSecret: db-creds`),
prose (`"Mot de passe"`: words of letters with a capital, an accent or a final `?`/`:`), or, unquoted, code
(`get_token()`, `form.password`, `os.environ["X"]`). Any other string literal is a secret, even `"changeme"`.
An unquoted word without digits reads as a name (`password = new_password`, `password: str`, `f(token=token)`)
except as `key=word` without spaces (.env, shell, .properties) and as the last thing on a YAML `key: word`
line, where it is the value itself. A key must end with the secret word: `secret_name = "db"` is kept.
"""

from __future__ import annotations

import re
from functools import cache

from .redact_rules import CONTEXTS, FORMATS, Rule

_PASSES = (FORMATS, CONTEXTS)
_KEYWORDS = frozenset(keyword for rules in _PASSES for rule in rules for keyword in rule.keywords)
_QUOTES = "\"'`"
_TYPE_NAMES = {"str", "string", "bytes", "int", "float", "bool", "boolean", "number", "object", "any", "unknown"}
_COUNTING = {"max", "min", "num", "count", "limit", "size", "len", "length", "ttl", "timeout", "total", "expiry"}

Scan = tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]


def redact(text: str) -> tuple[str, int]:
    """Return text with every secret replaced by a placeholder, and how many were replaced."""
    present = _keywords_in(text.lower())
    count = 0
    for rules in _PASSES if present else ():
        index = _rules_by_keyword(rules)
        active = tuple(sorted({i for keyword in present for i in index.get(keyword, ())}))
        for scan in _scans(rules, active) if active else ():
            text, found = _substitute(scan, text)
            count += found
    return text, count


def _keywords_in(lowered: str) -> set[str]:
    """Every rule keyword in the text, looked for at one of its characters, its anchor.

    The anchors (`ANCHORS`) are a few characters, rare in source code, that every keyword holds one of. Each
    has one pattern that opens with it, so `re` skips to the next one at memchr speed and looks around only
    there (a pattern opening with any keyword's first letter stops almost everywhere: three times slower).
    Where a pattern finds one, each keyword anchored on that character is looked for (a substring search)."""
    found: set[str] = set()
    for scan, keywords in _anchor_scans():
        if scan.search(lowered) is not None:  # one of them is there: which, a substring search each tells
            found.update(keyword for keyword in keywords if keyword in lowered)
    return found


# How often each character of the keywords occurs in lower-cased diffs (per mille, the most of two public
# projects' histories and a generated Python one) ...
_FREQUENCY = {'"': 50.7, "*": 12.2, "-": 24.5, ".": 26.2, "/": 16.4, "1": 21.7, "2": 19.8, "3": 12.2, "4": 8.2,
              "5": 7.1, ":": 18.8, "=": 12.2, "_": 25.7, "a": 42.2, "b": 9.8, "c": 27.7, "d": 19.9, "e": 75.3,
              "f": 22.2, "g": 19.1, "h": 15.5, "i": 39.0, "j": 6.7, "k": 5.8, "l": 41.4, "m": 24.6, "n": 34.9,
              "o": 40.9, "p": 21.1, "q": 4.7, "r": 40.0, "s": 41.0, "t": 75.2, "u": 36.5, "v": 19.5, "w": 6.5,
              "x": 5.5, "y": 10.1, "z": 5.3, "~": 0.2}  # fmt: skip
# ... and the anchors: of the sets of characters that every keyword holds one of, the one of least total frequency
# (a test recomputes it). A keyword of a new rule that holds none is anchored on its rarest character.
ANCHORS = "~xkyh:gvpci"


@cache
def _anchor_scans() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """For each anchor: the pattern of its keywords (the anchor, then lookbehind for what comes before it and
    lookahead for the rest), and those keywords."""
    anchored: dict[str, list[tuple[str, int]]] = {}
    for keyword in sorted(_KEYWORDS):
        spots = [i for i, c in enumerate(keyword) if c in ANCHORS] or range(len(keyword))
        at = min(spots, key=lambda i: _FREQUENCY.get(keyword[i], 100.0))
        anchored.setdefault(keyword[at], []).append((keyword, at))
    scans = []
    for char, keywords in sorted(anchored.items()):
        looks = "|".join(_around(keyword, at) for keyword, at in keywords)
        scans.append((re.compile(f"{re.escape(char)}(?:{looks})"), tuple(keyword for keyword, _ in keywords)))
    return tuple(scans)


def _around(keyword: str, at: int) -> str:
    before = f"(?<={re.escape(keyword[: at + 1])})" if at else ""
    return before + (f"(?={re.escape(keyword[at + 1 :])})" if keyword[at + 1 :] else "")


@cache
def _rules_by_keyword(rules: tuple[Rule, ...]) -> dict[str, tuple[int, ...]]:
    """The rules (by index) that each keyword selects."""
    index: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        for keyword in rule.keywords:
            index.setdefault(keyword, []).append(i)
    return {keyword: tuple(found) for keyword, found in index.items()}


@cache
def _scans(rules: tuple[Rule, ...], active: tuple[int, ...]) -> tuple[Scan, ...]:
    """The scans for these active rules: one alternation of those that open with literal text, then one for each
    rule that does not (in one alternation it would cost every rule the fast skip to the next literal)."""
    chosen = [rules[i] for i in active]
    headed = [rule for rule in chosen if rule.starts]
    groups = ([headed] if headed else []) + [[rule] for rule in chosen if not rule.starts]
    return tuple(_scan(group) for group in groups)


def _scan(rules: list[Rule]) -> Scan:
    # A one-character class at the head of every branch is what lets `re` skip ahead fast to candidates; the
    # starts sharing a first letter share one branch, so the rest is written (and compiled) a few times, not once
    # per spelling. At each candidate, the first rule matching there names the kind (the alternation chose it).
    branches = [branch for rule in rules for branch in _branches(rule)] or [_unnamed(rules[0].rest)]
    return re.compile("|".join(branches)), tuple((rule.kind, _compiled(rule)) for rule in rules)


def _branches(rule: Rule) -> list[str]:
    by_letter: dict[str, list[str]] = {}
    for start in rule.starts:
        by_letter.setdefault(start[0].lower(), []).append(start)
    branches = []
    for starts in by_letter.values():
        heads = sorted({s[0] for s in starts})
        head = re.escape(heads[0]) if len(heads) == 1 else f"[{''.join(heads)}]"
        tails = "|".join(sorted({re.escape(s[1:]) for s in starts}, key=len, reverse=True))
        branches.append(f"{head}(?:{tails})(?:{_unnamed(rule.rest)})")
    return branches


def _unnamed(pattern: str) -> str:
    return pattern.replace("(?P<value>", "(?:")


@cache
def _compiled(rule: Rule) -> re.Pattern[str]:
    return re.compile(f"(?:{'|'.join(map(re.escape, rule.starts))}){rule.rest}")


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
    if kind == "secret" and _names_a_reference(match, value):
        return None
    if kind == "basic-auth" and not _is_user_and_password(value):
        return None
    if value[-1] in _QUOTES and len(value) > 1:  # only a quoted value ends in a quote
        opening = value.index(value[-1]) + 1
        inner = value[opening:-1]
        if _not_secret().fullmatch(inner) or (kind == "secret" and _is_prose(inner, head)):
            return None
        value = value[:opening] + placeholder + value[-1]
    elif _not_secret().fullmatch(value) or (kind == "secret" and _is_code(match)):
        return None
    else:
        value = placeholder
    return head + value + text[end : match.end()]


def _names_a_reference(match: re.Match[str], value: str) -> bool:
    """Whether the key says its value is not the secret: `existingSecret`, or a count (`MAX_TOKEN = 131072`)."""
    text, start = match.string, match.start()
    key_start = start
    while key_start > 0 and (text[key_start - 1].isalnum() or text[key_start - 1] in "_.-"):
        key_start -= 1
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", text[key_start:start])}
    return "existing" in words or (bool(words & _COUNTING) and value.strip(_QUOTES).isdigit())


def _is_user_and_password(value: str) -> bool:
    """Whether a `user:password` credential is what this value holds: base64 of one, or (curl -u) the password."""
    if not value.rstrip("=").replace("+", "").replace("/", "").isalnum() or len(value) % 4:
        return True
    import binascii

    try:
        return b":" in binascii.a2b_base64(value)
    except binascii.Error:
        return True


def _is_prose(inner: str, head: str) -> bool:
    """A label or a name, not a password: words of letters with a capital, an accent or a final `?`/`:`/`…`,
    or a plain name after a comma (`["password", "email"]`; `define('DB_PASSWORD', 'x')` has the value first)."""
    if head.rstrip().endswith(",") and re.fullmatch(r"[A-Za-z_]+", inner):  # ["password", "email"]: names
        return True
    words = inner.split()
    if len(words) < 2 or not all(w.strip(".,:;!?…'’-").replace("'", "").replace("’", "").isalpha() for w in words):
        return False
    return inner != inner.lower() or not inner.isascii() or inner.rstrip()[-1] in "?:.…!"


@cache
def _not_secret() -> re.Pattern[str]:
    return re.compile(
        r"""
          (?:\s.*)?                         # empty, or the gap between two literals: "Token: " + t
        | \[.*\] | .*\[REDACTED:.*          # a [placeholder], or a value holding an earlier redaction
        | [-*xX•._]+ | <.*> | (?i:your[-_ ].*)  # placeholders: ***, xxx, ..., <token>, your-api-key
        | (?i:none|null|nil|true|false|undefined) | ~ | -?\d{1,5}  # keywords, sentinels and counts
        | .*(?:\$\{|\$\(|\{\{|%\(|\{[\w.]*\}).*  # interpolations: ${VAR}, $(cmd), {{ x }}, %(x)s, {name}
        | \$\w* | %\w+% | %[sd] | ![A-Za-z]\w*  # $VAR, %VAR%, printf, a YAML tag (!vault, !Ref)
        """,
        re.VERBOSE,
    )


def _is_code(match: re.Match[str]) -> bool:
    """Whether an unquoted value is code (a call, attribute, name or type) rather than a literal."""
    text, start, end = match.string, *match.span("value")
    value, head = text[start:end], text[match.start() : start]
    before = text[max(0, match.start() - 200) : match.start()].rsplit("\n", 1)[-1]
    after = text[end : end + 200].split("\n", 1)[0]
    if after[:1] in ("(", "[") or re.fullmatch(r"[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)+", value):
        return True  # a call or an attribute: form.password, env::var
    if not re.fullmatch(r"[A-Za-z_$]+", value):  # digits or symbols: a literal
        return False
    if after[:1] in (",", ";", ")", "]", "}") or "(" in before or "," in before:  # f(token=token)
        return True
    if re.search(r"[^\s:=>]=$", head):  # KEY=word: .env, INI and shell write literals this way
        return False
    if head.rstrip().endswith(":") and not after.split("#", 1)[0].strip():
        return value in _TYPE_NAMES or value[0].isupper()  # YAML `password: hunter`, not `password: str`
    return True

"""Replace secrets in commit evidence (diff text, messages) with `[REDACTED:<kind>]` before it leaves.

The rules are data (redact_rules.py). Importing this module compiles nothing; a text is first lower-cased and
searched for the rules' keywords (one pattern, a trie of them all), and only the rules whose keyword appears
are compiled (once per set, then cached) into one alternation, as gitleaks does. Two passes:

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
    for rules in _PASSES:
        active = tuple(i for i, rule in enumerate(rules) if not present.isdisjoint(rule.keywords))
        for scan in _scans(rules, active) if active else ():
            text, found = _substitute(scan, text)
            count += found
    return text, count


def _keywords_in(lowered: str) -> set[str]:
    """Every rule keyword in the text, from one pass of one pattern (a trie of them all: a third of the time of a
    substring search for each). A match is the longest keyword starting there; the keywords it contains come
    with it, and one that starts inside it and runs past its end is looked for there."""
    scan = _keyword_scan()
    found: set[str] = set()
    for match in scan.finditer(lowered):
        word, start = match.group(), match.start()
        found.update(_contained(word))
        for offset in _overlaps(word):
            if (nested := scan.match(lowered, start + offset)) is not None:
                found.update(_contained(nested.group()))
    return found


@cache
def _keyword_scan() -> re.Pattern[str]:
    def trie(words: list[str]) -> str:
        heads: dict[str, list[str]] = {}
        for word in words:
            heads.setdefault(word[0], []).append(word[1:])
        branches = []
        for head, tails in sorted(heads.items()):
            rest = trie([tail for tail in tails if tail])
            branches.append(re.escape(head) + (f"(?:{rest})?" if rest and "" in tails else rest))
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return re.compile(trie(sorted(_KEYWORDS)))


@cache
def _contained(word: str) -> frozenset[str]:
    """The keywords inside a matched keyword (itself included)."""
    return frozenset(keyword for keyword in _KEYWORDS if keyword in word)


@cache
def _overlaps(word: str) -> tuple[int, ...]:
    """The offsets inside `word` where another keyword may start and run past its end."""
    return tuple(i for i in range(1, len(word)) if any(k.startswith(word[i:]) and k != word[i:] for k in _KEYWORDS))


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

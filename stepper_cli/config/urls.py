"""Hide credentials in URLs before they are shown, logged or written anywhere; check a URL setting parses.

One masker for every display and log line:

    part of the URL                      shown as
    user:password@ / a lone user@        user:***@ / ***@
    a query value named like a secret    name=***   (password, token, key, secret, sig, code, ...)
    every query value of a webhook       name=***
    a webhook's path after its host      /services/*** (Slack), /api/webhooks/*** (Discord), /*** (Teams)

A webhook URL's path is its credential (whoever knows it can post), so `hide_path` keeps at most two
leading plain words of it and masks the rest.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import ConfigError

SECRET_PARAMS = ("password", "passwd", "pass", "secret", "token", "key", "auth", "credential", "sig", "code")
MASK = "***"
_PLAIN_SEGMENT = re.compile(r"[a-z]{1,12}")
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]+")
_WEBHOOK_KEYS = ("webhook", "url")
SECRET_WORDS = ("password", "secret", "token", "key")  # a setting named so holds a secret (not an `*_env` name)


def has_credentials(url: str) -> bool:
    """Whether the URL carries a password: in its user part or in a query parameter."""
    return mask_url(url) != url


def mask_url(url: str, *, hide_path: bool = False) -> str:
    """Return url with its password (or a lone user part, which may be one) and secret query values as ***.

    With hide_path (a webhook), every query value and the path after its first plain words are masked too.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port, as a client would
    except ValueError:
        return "<unparseable URL>"
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        parts = parts._replace(netloc=f"{user + ':' if colon else ''}{MASK}@{hostport}")
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if hide_path or any(_secret(name) for name, _ in pairs):
            masked = [(n, MASK if hide_path or _secret(n) else v) for n, v in pairs]
            parts = parts._replace(query=urlencode(masked, safe="*/:"))
    if hide_path:
        parts = parts._replace(path=_mask_path(parts.path), fragment="")
    return urlunsplit(parts)


def mask_setting(key: str, value: str) -> str:
    """Mask a URL-valued setting for display: notify's webhook and URL keys hide their path as well."""
    head, _, leaf = key.lower().rpartition(".")
    webhook = head.split(".", 1)[0] == "notify" and any(word in leaf for word in _WEBHOOK_KEYS)
    return mask_url(value, hide_path=webhook)


def mask_values(key: str, value: Any) -> Any:
    """Settings data (under the dotted `key`) as shown: URLs masked by `mask_setting`, secret-named values hidden."""
    if isinstance(value, list):
        return [mask_values(key, v) for v in value]
    if isinstance(value, dict):
        return {k: mask_values(f"{key}.{k}" if key else k, v) for k, v in value.items()}
    if isinstance(value, str) and value:
        if "://" in value:
            return mask_setting(key, value)
        leaf = key.rsplit(".", 1)[-1]
        if any(w in leaf for w in SECRET_WORDS) and not leaf.endswith("_env"):
            return MASK
    return value


def mask_text(text: str) -> str:
    """Mask every URL inside a log line or message (user part and secret query values)."""
    return _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text) if "://" in text else text


def check_url(url: str, key: str, example: str) -> str:
    """Return url if it parses (host, port, IPv6 brackets); else a ConfigError naming the key, never the URL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - urlsplit checks brackets; the port is checked when read
    except ValueError as exc:
        raise ConfigError(f"the URL is malformed ({exc}); use {example}", key=key) from exc
    return url


def _mask_path(path: str) -> str:
    segments = path.split("/")[1:] if path.startswith("/") else []
    kept = []
    for segment in segments[:2]:
        if not _PLAIN_SEGMENT.fullmatch(segment):
            break
        kept.append(segment)
    hidden = [s for s in segments[len(kept) :] if s]
    return "/" + "/".join([*kept, MASK] if hidden else kept) if segments else path


def _secret(name: str) -> bool:
    lower = name.lower()
    return any(word in lower for word in SECRET_PARAMS) and not lower.startswith("ssl_")

"""Hide credentials in URLs before they are shown, logged or written anywhere."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_PARAMS = ("password", "passwd", "pass", "secret", "token", "key", "auth", "credential")


def has_credentials(url: str) -> bool:
    """Whether the URL carries a password: in its user part or in a query parameter."""
    return mask_url(url) != url


def mask_url(url: str) -> str:
    """Return url with its password (or a lone user part, which may be one) and secret query values as ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        parts = parts._replace(netloc=f"{user + ':' if colon else ''}***@{hostport}")
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(_secret(name) for name, _ in pairs):
            query = urlencode([(n, "***" if _secret(n) else v) for n, v in pairs], safe="*/:")
            parts = parts._replace(query=query)
    return urlunsplit(parts)


def _secret(name: str) -> bool:
    lower = name.lower()
    return any(word in lower for word in SECRET_PARAMS) and not lower.startswith("ssl_")

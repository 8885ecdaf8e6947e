"""Send JSON to a model's HTTP API, and turn every httpx error and HTTP status into a stepper error.

This is the one boundary where foreign failures are translated (`raise ... from exc`):

    httpx.TimeoutException               -> ProviderTimeout
    httpx.UnsupportedProtocol, InvalidURL -> BadRequest (the base_url cannot work; retrying will not help)
    other httpx.TransportError           -> ProviderUnavailable (connect, read, protocol, proxy errors)
    httpx.DecodingError                  -> InvalidResponse
    httpx.TooManyRedirects               -> BadRequest
    anything else httpx raises           -> ProviderUnavailable
    HTTP 2xx with a body that is not JSON -> InvalidResponse
    HTTP 408                             -> ProviderTimeout
    HTTP 429                             -> RateLimited (retry_after from Retry-After: seconds or HTTP-date)
    HTTP 401, 403                        -> AuthFailed
    other 4xx, 1xx, 3xx                  -> BadRequest
    HTTP 5xx                             -> ProviderUnavailable (retry_after when the server sent one)

The API key is never put in a message or detail: every text taken from the outside is scrubbed of it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ..config.settings import ProviderSettings
from ..errors import (
    AuthFailed,
    BadRequest,
    InvalidResponse,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)

#: every exception class httpx raises; StreamError and friends do not derive from httpx.HTTPError
HTTPX_ERRORS: tuple[type[Exception], ...] = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.CookieConflict,
    httpx.StreamError,
)
DETAIL_CHARS = 300


class HttpAdapter:
    """What every HTTP adapter shares: its settings, a secret key and a (possibly injected) client."""

    def __init__(
        self, settings: ProviderSettings, api_key: str | None = None, client: httpx.Client | None = None
    ) -> None:
        self.name = settings.name
        self.settings = settings
        self._api_key = api_key or None
        self._client = client
        self._own_client = client is None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, model={self.settings.model!r})"

    @property
    def client(self) -> httpx.Client:
        """Return the injected client, or one of our own kept for connection reuse."""
        if self._client is None:
            self._client = httpx.Client()
        return self._client

    def close(self) -> None:
        """Close the client if this adapter made it (an injected client belongs to the caller)."""
        if self._client is not None and self._own_client:
            self._client.close()
            self._client = None

    def base_url(self, default: str = "") -> str:
        """Return the configured base URL (or `default`) without a trailing slash."""
        return (self.settings.base_url or default).rstrip("/")

    def post_json(self, url: str, body: Mapping[str, Any], headers: Mapping[str, str]) -> Any:
        """POST `body` as JSON and return the decoded JSON reply, or raise a ProviderError."""
        return request_json(
            self.client,
            "POST",
            url,
            provider=self.name,
            timeout=self.settings.timeout_seconds,
            headers=headers,
            json_body=body,
            secrets=self.secrets,
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._api_key,) if self._api_key else ()


def request_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    secrets: Iterable[str] = (),
) -> Any:
    """Send one request; return the JSON body of a 2xx reply or raise the matching ProviderError."""
    secrets = tuple(secrets)
    response = send(
        client,
        method,
        url,
        provider=provider,
        timeout=timeout,
        headers=headers,
        json_body=json_body,
        secrets=secrets,
    )
    if not 200 <= response.status_code < 300:
        raise status_error(response, provider, secrets)
    return decode_json(response, provider, secrets)


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    secrets: Iterable[str] = (),
) -> httpx.Response:
    """Send one request and return the response whatever its status; transport failures raise."""
    try:
        return client.request(method, url, headers=headers, json=json_body, timeout=timeout)
    except HTTPX_ERRORS as exc:
        raise translate_exception(exc, provider, timeout, secrets) from exc
    except UnicodeEncodeError as exc:
        raise BadRequest(
            f"Provider '{provider}': a request header holds characters HTTP cannot carry; check the API key.",
        ) from exc


def translate_exception(exc: Exception, provider: str, timeout: float, secrets: Iterable[str] = ()) -> ProviderError:
    """Return the stepper error for an exception raised by httpx."""
    where = f"Provider '{provider}'"
    name = type(exc).__name__
    detail = scrub(f"{name}: {exc}", secrets)
    if isinstance(exc, httpx.TimeoutException):
        return ProviderTimeout(f"{where} timed out after {timeout:g} s", detail=detail)
    if isinstance(exc, httpx.HTTPStatusError):
        return status_error(exc.response, provider, secrets)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return BadRequest(f"{where} has an unusable base_url ({name}); use an http:// or https:// URL", detail=detail)
    if isinstance(exc, httpx.TransportError):
        return ProviderUnavailable(f"{where} is unreachable ({name})", detail=detail)
    if isinstance(exc, httpx.DecodingError):
        return InvalidResponse(f"{where} sent a body that could not be decoded", detail=detail)
    if isinstance(exc, httpx.TooManyRedirects):
        return BadRequest(f"{where} redirected too many times; check its base_url", detail=detail)
    return ProviderUnavailable(f"{where} failed ({name})", detail=detail)


def status_error(response: httpx.Response, provider: str, secrets: Iterable[str] = ()) -> ProviderError:
    """Return the stepper error for a reply whose status is not 2xx."""
    status = response.status_code
    where = f"Provider '{provider}'"
    detail = error_detail(response, secrets)
    retry_after = retry_after_of(response)
    if status == 429:
        wait = f", retry after {retry_after:g} s" if retry_after is not None else ""
        return RateLimited(f"{where} is rate limited (HTTP 429{wait})", retry_after=retry_after, detail=detail)
    if status in (401, 403):
        return AuthFailed(f"{where} rejected the credentials (HTTP {status})", detail=detail)
    if status == 408:
        return ProviderTimeout(f"{where} timed out on its side (HTTP 408)", detail=detail)
    if status >= 500:
        return ProviderUnavailable(f"{where} is unavailable (HTTP {status})", retry_after=retry_after, detail=detail)
    if 400 <= status < 500:
        reason = f": {detail[:160]}" if detail else ""
        return BadRequest(f"{where} refused the request (HTTP {status}){reason}", detail=detail)
    location = scrub(response.headers.get("location", ""), secrets)[:160]
    moved = f" to {location}" if location else ""
    return BadRequest(f"{where} answered HTTP {status}{moved}; check its base_url", detail=detail)


def decode_json(response: httpx.Response, provider: str, secrets: Iterable[str] = ()) -> Any:
    """Return the JSON body of a reply, or raise InvalidResponse when it is not JSON."""
    try:
        return response.json()
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, absurdly deep nesting
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise InvalidResponse(
            f"Provider '{provider}' replied with something that is not JSON ({kind})",
            detail=scrub(response.text, secrets),
        ) from exc


def retry_after_of(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Return how long the server asked us to wait, from Retry-After (or retry-after-ms), in seconds."""
    seconds = parse_retry_after(response.headers.get("retry-after"), now)
    if seconds is None and (millis := response.headers.get("retry-after-ms")):
        seconds = parse_retry_after(millis, now)
        seconds = None if seconds is None else seconds / 1000
    return seconds


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After value, delay-seconds or HTTP-date, into seconds from `now` (never negative)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def error_detail(response: httpx.Response, secrets: Iterable[str] = ()) -> str:
    """Return a short reason taken from an error reply's body (never from our request)."""
    try:
        text = _message_in(response.json())
    except (ValueError, RecursionError):
        text = response.text
    return scrub(text, secrets)


def _message_in(data: Any) -> str:
    """Find the human message in the error shapes of the six protocols."""
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])
            if isinstance(value, list) and value:
                return _message_in(value[0]) if isinstance(value[0], dict) else str(value[0])
        if isinstance(data.get("msg"), str):
            return str(data["msg"])
    return json.dumps(data)[:DETAIL_CHARS]


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Collapse whitespace, cut to a short detail and mask every secret in it."""
    for secret in secrets:
        # also the forms a secret takes inside a repr() of the bytes or str that carried it
        for form in {secret, secret.strip(), secret.encode("unicode_escape").decode(), repr(secret)[1:-1]}:
            if form:
                text = text.replace(form, "***")
    return " ".join(text.split())[:DETAIL_CHARS]


def invalid_shape(provider: str, missing: str, detail: str | None = None) -> InvalidResponse:
    """Return the error for a 2xx reply that lacks the part holding the model's text."""
    return InvalidResponse(f"Provider '{provider}' replied without {missing}", detail=detail)


def prune_schema(schema: Any, keep: frozenset[str]) -> Any:
    """Return a copy of a JSON schema keeping only the keywords in `keep` (property names are kept)."""
    if isinstance(schema, list):
        return [prune_schema(item, keep) for item in schema]
    if not isinstance(schema, dict):
        return schema
    pruned: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in keep:
            continue
        if key == "properties" and isinstance(value, dict):
            pruned[key] = {name: prune_schema(sub, keep) for name, sub in value.items()}
        elif isinstance(value, dict | list) and key not in ("required", "enum", "propertyOrdering"):
            pruned[key] = prune_schema(value, keep)
        else:
            pruned[key] = value
    return pruned


def bearer(api_key: str | None) -> dict[str, str]:
    """Return an Authorization header for a key, or no header when there is no key."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}

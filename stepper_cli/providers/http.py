"""Send JSON to a model's HTTP API, and turn every httpx error and HTTP status into a stepper error.

This is the one boundary where foreign failures are translated (`raise ... from exc`):

    httpx.TimeoutException               -> ProviderTimeout (also the request's wall-clock limit, see deadline)
    httpx.UnsupportedProtocol, InvalidURL -> BadRequest (the base_url cannot work; retrying will not help)
    other httpx.TransportError           -> ProviderUnavailable (connect, read, protocol, proxy errors)
    httpx.DecodingError                  -> InvalidResponse
    httpx.TooManyRedirects               -> BadRequest
    anything else httpx raises           -> ProviderUnavailable
    a body larger than max_reply_bytes   -> InvalidResponse (cut off while streaming, never buffered whole)
    HTTP 2xx with a body that is not JSON -> InvalidResponse
    HTTP status errors                   -> see `replies.status_error`

Every request is bounded by `deadline.limit` (connect to last byte). The API key is never put in a
message or detail: every text taken from the outside is scrubbed of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from ..config.model import ProviderSettings
from ..errors import BadRequest, InvalidResponse, ProviderError, ProviderTimeout, ProviderUnavailable
from . import deadline
from .replies import error_in_body, scrub, status_error
from .shape import Shape

#: every exception class httpx raises; StreamError and friends do not derive from httpx.HTTPError
HTTPX_ERRORS: tuple[type[Exception], ...] = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.CookieConflict,
    httpx.StreamError,
)


class Reply:
    """A reply read within the limits: status, headers, the body bytes and (when it is JSON) the data."""

    def __init__(self, status: int, headers: httpx.Headers, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body
        self.text = body.decode("utf-8", errors="replace")
        try:
            self.data: Any = json.loads(body) if body.strip() else None
            self.is_json = self.data is not None
        except (ValueError, RecursionError):  # not JSON, bad UTF-8, or nested past the interpreter's limit
            self.data, self.is_json = None, False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class HttpAdapter:
    """What every HTTP adapter shares: its settings, a secret key and the context's client."""

    def __init__(self, settings: ProviderSettings, api_key: str | None, client: httpx.Client) -> None:
        self.name = settings.name
        self.settings = settings
        self._api_key = api_key or None
        self.client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, model={self.settings.model!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._api_key,) if self._api_key else ()

    #: where the listing of models keeps them, and each one's name (see `models_url`)
    models_field: tuple[str, str] = ("data", "id")

    def headers(self) -> dict[str, str]:
        """The authentication (and version) headers of every request."""
        return bearer(self._api_key)

    def models_url(self) -> str | None:
        """Where the provider lists the models it serves; None when its API has no listing."""
        return None

    def list_models(self) -> list[str]:
        """Return the names of the models the provider serves (empty when it has no listing)."""
        url = self.models_url()
        if url is None:
            return []
        data = self.json_of(self.send("GET", url, headers=self.headers()))
        key, field = self.models_field
        items = data.get(key) if isinstance(data, dict) else None
        return [
            str(i[field]).removeprefix("models/")
            for i in (items if isinstance(items, list) else [])
            if isinstance(i, dict) and isinstance(i.get(field), str)
        ]

    def base_url(self, default: str = "") -> str:
        """Return the configured base URL (or `default`) without a trailing slash."""
        return (self.settings.base_url or default).rstrip("/")

    def post_json(self, url: str, body: Mapping[str, Any], headers: Mapping[str, str], shape: Shape) -> Any:
        """POST `body` as JSON and return the decoded JSON reply, or raise a ProviderError."""
        reply = self.send("POST", url, headers=headers, json_body=body)
        return self.json_of(reply, shape)

    def json_of(self, reply: Reply, shape: Shape | None = None) -> Any:
        """Return a 2xx reply's JSON (raising any error it carries), or raise the error its status means."""
        if not reply.ok:
            raise status_error(
                reply.status, reply.headers, reply.data, reply.text,
                provider=self.name, model=self.settings.model, shape=shape, secrets=self.secrets,
            )  # fmt: skip
        if not reply.is_json:
            kind = reply.headers.get("content-type", "no content type").split(";")[0]
            raise InvalidResponse(
                f"Provider '{self.name}' replied with something that is not JSON ({kind})",
                detail=scrub(reply.text, self.secrets),
            )
        error_in_body(reply.data, provider=self.name, model=self.settings.model, shape=shape, secrets=self.secrets)
        return reply.data

    def send(self, method: str, url: str, *, headers: Mapping[str, str] | None = None, json_body: Any = None) -> Reply:
        """Send one request within the wall-clock limit and the size cap; transport failures raise."""
        return send(
            self.client, method, url, provider=self.name, timeout=self.settings.timeout_seconds,
            max_bytes=self.settings.max_reply_bytes, headers=headers, json_body=json_body, secrets=self.secrets,
        )  # fmt: skip


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    timeout: float,
    max_bytes: int,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    secrets: Iterable[str] = (),
) -> Reply:
    """Send one request and read its reply whatever its status, within `timeout` in all and `max_bytes`."""
    secrets = tuple(secrets)
    limit = min(timeout, deadline.time_left())
    if limit <= 0:
        raise ProviderTimeout(f"Provider '{provider}' timed out after {timeout:g} s", detail="no time left")
    try:
        with (
            deadline.limit(limit),
            client.stream(method, url, headers=headers, json=json_body, timeout=limit) as response,
        ):
            return Reply(response.status_code, response.headers, _read(response, provider, max_bytes))
    except HTTPX_ERRORS as exc:
        raise translate_exception(exc, provider, limit, secrets) from exc
    except UnicodeEncodeError as exc:
        raise BadRequest(
            f"Provider '{provider}': a request header holds characters HTTP cannot carry; check the API key.",
        ) from exc


def _read(response: httpx.Response, provider: str, max_bytes: int) -> bytes:
    """Read the body, giving up as soon as it passes `max_bytes` (announced or streamed)."""
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise _too_big(provider, max_bytes, f"Content-Length {announced}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _too_big(provider, max_bytes, "cut off while streaming")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(provider: str, max_bytes: int, how: str) -> InvalidResponse:
    return InvalidResponse(f"Provider '{provider}' sent a reply larger than max_reply_bytes ({max_bytes})", detail=how)


def translate_exception(exc: Exception, provider: str, timeout: float, secrets: Iterable[str] = ()) -> ProviderError:
    """Return the stepper error for an exception raised by httpx."""
    where = f"Provider '{provider}'"
    name = type(exc).__name__
    detail = scrub(f"{name}: {exc}", secrets)
    if isinstance(exc, httpx.TimeoutException):
        return ProviderTimeout(f"{where} timed out after {timeout:g} s", detail=detail)
    if isinstance(exc, httpx.HTTPStatusError):
        r = exc.response
        return status_error(r.status_code, r.headers, None, "", provider=provider, secrets=secrets)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return BadRequest(f"{where} has an unusable base_url ({name}); use an http:// or https:// URL", detail=detail)
    if isinstance(exc, httpx.TransportError):
        return ProviderUnavailable(f"{where} is unreachable ({name})", detail=detail)
    if isinstance(exc, httpx.DecodingError):
        return InvalidResponse(f"{where} sent a body that could not be decoded", detail=detail)
    if isinstance(exc, httpx.TooManyRedirects):
        return BadRequest(f"{where} redirected too many times; check its base_url", detail=detail)
    return ProviderUnavailable(f"{where} failed ({name})", detail=detail)


def bearer(api_key: str | None) -> dict[str, str]:
    """Return an Authorization header for a key, or no header when there is no key."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}

"""Turn a provider's error reply into a stepper error, and keep secrets out of every text taken from it.

    HTTP 429 (or an error body with code 429)     RateLimited, with what the provider asked for
    HTTP 401, 403; 400 with reason API_KEY_INVALID  AuthFailed (Gemini answers a bad key with a 400)
    HTTP 404 whose body names the model           ModelNotFound: "model X is not available at provider P"
    HTTP 404 otherwise                            BadRequest: no such route, check base_url
    HTTP 400/422 naming an unsupported parameter  Unsupported(feature) (see capabilities)
    HTTP 408                                      ProviderTimeout
    HTTP 5xx                                      ProviderUnavailable
    other 4xx, 1xx, 3xx                           BadRequest

`error_in_body` reads the errors some gateways put in an HTTP 200 (OpenRouter: `{"error": {"code",
"message"}}` or a choice with `finish_reason: "error"`) and maps them by their code the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import (
    AuthFailed,
    BadRequest,
    InvalidResponse,
    ModelNotFound,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    Unsupported,
)
from .capabilities import unsupported_feature
from .retry_after import wait_asked
from .shape import Shape

DETAIL_CHARS = 300
AUTH_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED", "ACCESS_TOKEN_EXPIRED"})


def status_error(
    status: int,
    headers: Mapping[str, str],
    data: Any,
    text: str,
    *,
    provider: str,
    model: str = "",
    shape: Shape | None = None,
    secrets: Iterable[str] = (),
) -> ProviderError:
    """Return the stepper error for a reply whose status (or error code in the body) is not a success."""
    where = f"Provider '{provider}'"
    detail = scrub(message_in(data) if data is not None else text, secrets)
    if status == 429:
        return rate_limited(where, headers, data, detail)
    if status in (401, 403) or (status == 400 and _error_reason(data) in AUTH_REASONS):
        return AuthFailed(f"{where} rejected the credentials (HTTP {status})", detail=detail)
    if status == 404:
        if (model and (model in json.dumps(data) if data is not None else model in text)) or _code(data) in (
            "model_not_found", "not_found_error", "NOT_FOUND"):  # fmt: skip
            return ModelNotFound(f"model {model} is not available at provider '{provider}'", detail=detail)
        return BadRequest(f"{where} has no such route (HTTP 404); check its base_url", detail=detail)
    if status == 408:
        return ProviderTimeout(f"{where} timed out on its side (HTTP 408)", detail=detail)
    if status >= 500:
        wait = wait_asked(headers, data)
        return ProviderUnavailable(
            f"{where} is unavailable (HTTP {status})", retry_after=wait[0] if wait else None, detail=detail
        )
    if 400 <= status < 500:
        feature = unsupported_feature(status, data, shape) if shape is not None else None
        reason = f": {detail[:160]}" if detail else ""
        if feature is not None:
            return Unsupported(f"{where} does not take this request's {feature}{reason}", feature, detail=detail)
        return BadRequest(f"{where} refused the request (HTTP {status}){reason}", detail=detail)
    return BadRequest(f"{where} answered HTTP {status}; check its base_url", detail=detail)


def rate_limited(where: str, headers: Mapping[str, str], data: Any, detail: str | None) -> RateLimited:
    """The error for a 429, saying what the provider asked for."""
    wait = wait_asked(headers, data)
    asked = f"; it asked to wait {wait[0]:g} s ({wait[1]})" if wait else ""
    return RateLimited(
        f"{where} is rate limited (HTTP 429){asked}", retry_after=wait[0] if wait else None, detail=detail
    )


def error_in_body(data: Any, *, provider: str, model: str, shape: Shape | None, secrets: Iterable[str]) -> None:
    """Raise the error an HTTP 200 body carries instead of an answer (OpenRouter and other gateways)."""
    if not isinstance(data, dict):
        return
    error = data.get("error")
    if error is None and isinstance(data.get("choices"), list) and data["choices"]:
        choice = data["choices"][0]
        if isinstance(choice, dict) and choice.get("finish_reason") == "error":
            error = choice.get("error") or {"message": "the model failed while answering"}
    if error is None or (data.get("choices") and not isinstance(error, dict | str)):
        return
    code = error.get("code") if isinstance(error, dict) else None
    status = code if isinstance(code, int) and 400 <= code < 600 else 502
    body = {"error": error}
    raise status_error(status, {}, body, "", provider=provider, model=model, shape=shape, secrets=secrets)


def message_in(data: Any) -> str:
    """Find the human message in the error shapes of the protocols (OpenAI, Anthropic, Google, Cohere, TGI)."""
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])
            if isinstance(value, list) and value:
                return message_in(value[0]) if isinstance(value[0], dict) else str(value[0])
        if isinstance(data.get("msg"), str):
            return str(data["msg"])
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return message_in(data[0])  # Gemini behind some proxies wraps the error in a list
    return json.dumps(data)[:DETAIL_CHARS]


def _error_reason(data: Any) -> str | None:
    error = data.get("error") if isinstance(data, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and isinstance(detail.get("reason"), str):
            return str(detail["reason"])
    return None


def _code(data: Any) -> Any:
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return error.get("code") if isinstance(error.get("code"), str) else error.get("type") or error.get("status")
    return None


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Collapse whitespace, cut to a short detail and mask every secret in it."""
    return " ".join(mask_secrets(text, secrets).split())[:DETAIL_CHARS]


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every secret in `text` (also as it appears inside a repr or an escaped string) with ***."""
    for secret in secrets:
        for form in {secret, secret.strip(), secret.encode("unicode_escape").decode(), repr(secret)[1:-1]}:
            if len(form) >= 4:
                text = text.replace(form, "***")
    return text


def invalid_shape(provider: str, missing: str, detail: str | None = None) -> InvalidResponse:
    """Return the error for a 2xx reply that lacks the part holding the model's text."""
    return InvalidResponse(f"Provider '{provider}' replied without {missing}", detail=detail)

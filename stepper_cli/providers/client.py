"""The one factory of the providers' HTTP client: deadlines on every transport, credentials masked in logs.

`new_client()` is the only place stepper creates an `httpx.Client` for providers (the context owns the
one it gets). It wraps the network backend of each of the client's transports, proxies included, so
that every socket operation is cut to what is left of `deadline.time_left()` (httpcore.ReadTimeout,
which httpx turns into httpx.ReadTimeout), and it puts a filter on httpx's and httpcore's loggers that
masks URL passwords and secret query values (`?key=`) in every line `--verbose` prints.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpcore
import httpx

from ..config.urls import mask_url
from .deadline import time_left

_URL = re.compile(r"""\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+""")


def _bounded(timeout: float | None) -> float:
    left = time_left()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's wall-clock limit was reached")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A network stream whose every operation is cut to what is left of the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's network backend with every connection wrapped in `_Stream`."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:  # fmt: skip
        stream = self._inner.connect_tcp(host, port, _bounded(timeout), local_address, socket_options)
        return _Stream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        return _Stream(self._inner.connect_unix_socket(path, _bounded(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadlines(client: httpx.Client) -> bool:
    """Wrap the network backend of each of the client's transports; return whether all were reached.

    httpx has no public hook for the network backend, so this reaches `HTTPTransport._pool`; a test
    (the slow-drip server) fails if a new httpx moves it.
    """
    transports = [client._transport, *client._mounts.values()]
    done = True
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            done = transport is None
            continue
        if not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return done


class MaskCredentials(logging.Filter):
    """Mask URL passwords and secret query values in every log record that passes through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _URL.sub(lambda m: mask_url(m.group(0)), message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_FILTER = MaskCredentials()


def mask_http_logs() -> None:
    """Put the credential mask on httpx's and httpcore's loggers (idempotent)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def new_client() -> httpx.Client:
    """Return an HTTP client for providers: deadlines on every transport, credentials masked in logs."""
    mask_http_logs()
    client = httpx.Client()
    install_deadlines(client)
    return client

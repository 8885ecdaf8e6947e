"""Build provider adapters from their settings: pick the protocol module, read the key from the environment.

`Adapters` keeps the adapters of one context: each provider's adapter is built once, on the context's
one HTTP client, so state an adapter keeps (a Space's `awake`) lasts from one report to the next.
Protocol modules (and httpx) are imported only when a provider is built, so `key_present` and
`needs_key` stay cheap for `stepper providers list` and the hook path.
"""

from __future__ import annotations

import contextlib
import importlib
import ipaddress
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..config.model import ProviderSettings
from ..config.presets import KINDS
from ..config.urls import mask_url
from ..errors import ConfigError, MissingKey

if TYPE_CHECKING:
    import httpx

    from .base import Provider

#: protocols whose servers usually run without a key
KEYLESS_KINDS = frozenset({"ollama", "hf-space"})
#: protocols with no sensible default base_url
NEEDS_BASE_URL = frozenset({"hf-space"})


def build_provider(settings: ProviderSettings, client: httpx.Client, env: Mapping[str, str] = os.environ) -> Provider:
    """Return the adapter for a provider, with its key read from the environment."""
    module_path = KINDS.get(settings.kind)
    if module_path is None:
        raise ConfigError(
            f"unknown provider kind '{settings.kind}' (valid kinds: {', '.join(sorted(KINDS))})",
            key=f"providers.{settings.name}.kind",
        )
    _check_base_url(settings)
    api_key = read_key(settings, env)
    adapter = importlib.import_module(module_path).ADAPTER
    provider: Provider = adapter(settings, api_key, client)
    return provider


class Adapters:
    """The adapters of one context, built once per provider setting on one HTTP client (thread-safe)."""

    def __init__(self, client: Callable[[], httpx.Client], env: Mapping[str, str] = os.environ) -> None:
        self._client, self._env = client, env
        self._built: dict[str, Provider] = {}
        self._lock = threading.Lock()

    def get(self, settings: ProviderSettings) -> Provider:
        """Return the provider's adapter, building it (and reading its key) the first time."""
        key = repr(settings)  # a frozen dataclass: every field, in order
        with self._lock:
            if key not in self._built:
                self._built[key] = build_provider(settings, self._client(), self._env)
            return self._built[key]

    def secrets(self) -> tuple[str, ...]:
        """Every key value the adapters built so far hold (the chain scrubs them from replies)."""
        with self._lock:
            return tuple({s for adapter in self._built.values() for s in adapter.secrets})

    @classmethod
    @contextlib.contextmanager
    def opened(cls, env: Mapping[str, str] = os.environ) -> Iterator[Adapters]:
        """Adapters on a client of their own, closed on leaving (for callers without a context)."""
        from .client import new_client

        client = new_client()
        try:
            yield cls(lambda: client, env)
        finally:
            client.close()


def read_key(settings: ProviderSettings, env: Mapping[str, str] = os.environ) -> str | None:
    """Return the provider's key, None when it needs none and has none; raise MissingKey otherwise."""
    key = env.get(settings.api_key_env, "").strip() if settings.api_key_env else ""
    if key:
        return key
    if not needs_key(settings):
        return None
    where = settings.api_key_env or "api_key_env in its [[providers]] entry, and export that variable"
    raise MissingKey(f"No API key for provider '{settings.name}': set {where}")


def key_present(settings: ProviderSettings, env: Mapping[str, str] = os.environ) -> bool:
    """Return whether the key's environment variable is set and not empty."""
    return bool(settings.api_key_env and env.get(settings.api_key_env, "").strip())


def needs_key(settings: ProviderSettings) -> bool:
    """Return whether a provider cannot work without a key.

    Ollama and Spaces work without one; so does an OpenAI-compatible server on this machine, or one
    configured with `api_key_env = ""` (a LAN server that takes no key).
    """
    if settings.kind in KEYLESS_KINDS:
        return False
    if settings.kind == "openai":
        return bool(settings.api_key_env) and not is_loopback(settings.base_url)
    return True


def is_loopback(url: str) -> bool:
    """Return whether a URL points at this machine (localhost or a loopback address)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(settings: ProviderSettings) -> None:
    key = f"providers.{settings.name}.base_url"
    if not settings.base_url:
        if settings.kind in NEEDS_BASE_URL:
            raise ConfigError(
                f"provider '{settings.name}' needs base_url (the Space's URL, e.g. https://owner-space.hf.space)",
                key=key,
            )
        return
    if urlsplit(settings.base_url).scheme not in ("http", "https") or not urlsplit(settings.base_url).hostname:
        raise ConfigError(f"base_url '{mask_url(settings.base_url)}' must be an http:// or https:// URL", key=key)

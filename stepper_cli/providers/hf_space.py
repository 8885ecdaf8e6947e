"""A model served by a Hugging Face Space, woken up first when it may be asleep.

Free Spaces sleep when idle and take a while to build or wake. The endpoint contract a Space must offer
(the one the replaced service used):

    GET  {base_url}/health      200 when ready. 5xx (503 while building or sleeping, 502/504 from the
                                proxy) means "not yet": stepper waits `wake_delay` seconds and asks again,
                                up to `wake_attempts` times, each check waiting at most 10 s. Other
                                statuses map as usual (401/403 auth, 404 bad request: no /health route).
    POST {base_url}/generate    request  {"system": str, "prompt": str, "max_tokens": int}
                                reply    {"text": str} or {"generated_text": str} or {"data": [str, ...]}
                                         (Gradio style), or [{"generated_text": str}] (Inference style)

`base_url` is the Space's own URL, e.g. https://owner-space.hf.space. A Hugging Face token, when given,
is sent as `Authorization: Bearer` on both requests (private Spaces need one). Timeouts and connection
failures while waking are reported as `unavailable`, since a waking Space is not a slow one. Once a
generation succeeds the Space counts as awake and the health check is skipped until a request fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from ..config.settings import ProviderSettings
from ..errors import ProviderError, ProviderTimeout, ProviderUnavailable
from .base import Prompt
from .http import HttpAdapter, bearer, invalid_shape, send, status_error

WAKE_ATTEMPTS = 6
WAKE_DELAY_SECONDS = 5.0
HEALTH_TIMEOUT_SECONDS = 10.0  # a health check is cheap; a long wait on it means "still waking"


class HFSpaceProvider(HttpAdapter):
    """A Space exposing /health and /generate."""

    def __init__(
        self,
        settings: ProviderSettings,
        api_key: str | None = None,
        client: httpx.Client | None = None,
        *,
        wake_attempts: int = WAKE_ATTEMPTS,
        wake_delay: float = WAKE_DELAY_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, api_key, client)
        self.wake_attempts = max(1, wake_attempts)
        self.wake_delay = wake_delay
        self._sleep = sleep
        self.awake = False

    def generate(self, prompt: Prompt) -> str:
        """Wake the Space if needed, send the prompt and return the model's text."""
        if not self.awake:
            self.wake()
        body = {"system": prompt.system, "prompt": prompt.user, "max_tokens": self.settings.max_tokens}
        try:
            data = self.post_json(f"{self.base_url()}/generate", body, bearer(self._api_key))
        except (ProviderUnavailable, ProviderTimeout):
            self.awake = False
            raise
        self.awake = True
        return generated_text(data, self.name)

    def wake(self) -> None:
        """Poll /health until it answers 200; raise ProviderUnavailable if it never does."""
        last: ProviderError | None = None
        for attempt in range(self.wake_attempts):
            if attempt:
                self._sleep(self.wake_delay)
            try:
                response = send(
                    self.client,
                    "GET",
                    f"{self.base_url()}/health",
                    provider=self.name,
                    timeout=min(self.settings.timeout_seconds, HEALTH_TIMEOUT_SECONDS),
                    headers=bearer(self._api_key),
                    secrets=self.secrets,
                )
            except (ProviderTimeout, ProviderUnavailable) as exc:
                last = exc
                continue
            if response.status_code == 200:
                self.awake = True
                return
            last = status_error(response, self.name, self.secrets)
            if response.status_code < 500:
                raise last
        raise ProviderUnavailable(
            f"Provider '{self.name}' (a Hugging Face Space) is still waking up after "
            f"{self.wake_attempts} health checks",
            retry_after=self.wake_delay,
            detail=last.message if last else None,
        ) from last


def generated_text(data: Any, provider: str) -> str:
    """Pull the text out of the reply shapes a Space may use."""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if isinstance(data, dict):
        for key in ("text", "generated_text"):
            if isinstance(data.get(key), str) and data[key].strip():
                return str(data[key])
        items = data.get("data")
        if isinstance(items, list) and items and isinstance(items[0], str) and items[0].strip():
            return items[0]
    raise invalid_shape(provider, 'a "text", "generated_text" or "data" field')


ADAPTER = HFSpaceProvider

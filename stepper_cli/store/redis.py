"""The shared store on Redis: the same primitives as the files backend, for workers on several machines."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..config.urls import mask_url
from ..errors import ConfigError, StorageError
from .base import JSON, Store, Updater, Write, check_amount, check_key, check_ttl, decode, encode
from .errors import guard

if TYPE_CHECKING:
    import redis as redis_module

# Compare-and-set: write ARGV[3] (or delete, when empty) only if the key still holds what we read.
_CAS = """
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
elseif ARGV[4] == '' then
  redis.call('SET', KEYS[1], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
return 1
"""

# Counter {"value": n}: %.17g round-trips a double exactly through Python's json.
_INCR = """
local cur = redis.call('GET', KEYS[1])
local n = 0
if cur then
  local ok, doc = pcall(cjson.decode, cur)
  if not ok or type(doc) ~= 'table' or type(doc['value']) ~= 'number' then
    return redis.error_reply('STEPPER_NOT_COUNTER')
  end
  n = doc['value']
end
local s = string.format('%.17g', n + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], '{"value":' .. s .. '}', 'KEEPTTL')
return s
"""

_BATCH = 500


class RedisStore(Store):
    """The store at a redis:// or rediss:// URL, every key under `namespace`."""

    def __init__(self, url: str, *, timeout: float = 10.0, namespace: str = "stepper:") -> None:
        try:
            import redis
            from redis.backoff import ExponentialBackoff
            from redis.retry import Retry
        except ImportError as exc:
            raise StorageError(
                "queue.url names a Redis server, but the 'redis' package is not installed.",
                hint="Install it into stepper's environment: pip install '.[redis]' from stepper's source folder, "
                "or pipx inject stepper-cli redis, or uv tool install --force '.[redis]'.",
            ) from exc
        self._errors = redis.exceptions
        self._url = mask_url(url)
        self._secret = urlsplit(url).password or ""
        self._namespace = namespace
        self._timeout = timeout
        try:  # a dropped connection (restarted server) is retried on a fresh one
            self._client: redis_module.Redis = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
                retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
                health_check_interval=30,
            )
        except ValueError as exc:
            raise ConfigError(f"'{self._url}' is not a valid Redis URL ({exc})", key="queue.url") from exc
        self._cas = self._client.register_script(_CAS)
        self._incr = self._client.register_script(_INCR)

    def get(self, key: str) -> JSON | None:
        with self._guard():
            text = self._client.get(self._key(key))
        return None if text is None else decode(text, key, self._url)

    def get_many(self, keys: Sequence[str]) -> dict[str, JSON]:
        if not keys:
            return {}
        with self._guard():
            texts = self._client.mget([self._key(key) for key in keys])
        return {key: decode(text, key, self._url) for key, text in zip(keys, texts, strict=True) if text is not None}

    def put(self, key: str, value: JSON, ttl: float | None = None) -> None:
        text = encode(value)
        with self._guard():
            self._client.set(self._key(key), text, px=_px(ttl))

    def delete(self, key: str) -> bool:
        with self._guard():
            return bool(self._client.delete(self._key(key)))

    def update(self, key: str, fn: Updater, ttl: float | None = None) -> JSON | None:
        name, px = self._key(key), _px(ttl)
        deadline, pause = time.monotonic() + self._timeout, 0.001
        while True:
            with self._guard():
                old = self._client.get(name)
            new = fn(None if old is None else decode(old, key, self._url))
            args = ["0" if old is None else "1", old or "", "" if new is None else encode(new), px or ""]
            with self._guard():
                if self._cas(keys=[name], args=args):
                    return new
            if time.monotonic() > deadline:
                raise StorageError(
                    f"The entry '{key}' in {self._url} kept changing for {self._timeout:g} s.",
                    hint="Too many processes are updating it at once; try again.",
                )
            time.sleep(random.uniform(0, pause))  # jitter so racing writers spread out
            pause = min(pause * 2, 0.05)

    def write_many(self, writes: Sequence[Write]) -> list[JSON | float | None]:
        """Every write in one MULTI/EXEC, the keys of updates WATCHed (retried while another writer wins)."""
        names = [self._key(w.key) for w in writes]
        watched = sorted({n for n, w in zip(names, writes, strict=True) if w.kind == "update"})
        deadline, pause = time.monotonic() + self._timeout, 0.001
        while True:
            with self._guard(), self._client.pipeline(transaction=True) as pipe:
                try:
                    return self._write_watched(pipe, writes, names, watched)
                except self._errors.WatchError:
                    pass
            if time.monotonic() > deadline:
                raise StorageError(
                    f"The entries {', '.join(sorted({w.key for w in writes if w.kind == 'update'}))} in {self._url} "
                    f"kept changing for {self._timeout:g} s.",
                    hint="Too many processes are updating them at once; try again.",
                )
            time.sleep(random.uniform(0, pause))
            pause = min(pause * 2, 0.05)

    def _write_watched(
        self, pipe: Any, writes: Sequence[Write], names: list[str], watched: list[str]
    ) -> list[JSON | float | None]:
        if watched:
            pipe.watch(*watched)
        texts: dict[str, str | None] = dict(zip(watched, pipe.mget(watched), strict=True)) if watched else {}
        done: list[JSON | float | None] = []
        pipe.multi()
        for name, w in zip(names, writes, strict=True):
            if w.kind == "incr":
                self._incr(keys=[name], args=[repr(check_amount(w.amount))], client=pipe)
                done.append(None)
                continue
            old = texts.get(name) if w.kind == "update" else None
            new = w.after(None if old is None else decode(old, w.key, self._url))
            texts[name] = None if new is None else encode(new)
            if new is None:
                pipe.delete(name)
            else:
                pipe.set(name, texts[name], px=_px(w.ttl))
            done.append(new)
        replies = pipe.execute()
        return [float(r) if w.kind == "incr" else d for w, d, r in zip(writes, done, replies, strict=True)]

    def add(self, key: str, value: JSON, ttl: float | None = None) -> bool:
        text = encode(value)
        with self._guard():
            return bool(self._client.set(self._key(key), text, nx=True, px=_px(ttl)))

    def incr(self, key: str, amount: float = 1.0) -> float:
        name, args = self._key(key), [repr(check_amount(amount))]
        with self._guard():
            try:
                return float(self._incr(keys=[name], args=args))
            except self._errors.ResponseError as exc:
                if "STEPPER_NOT_COUNTER" not in str(exc):
                    raise
        raise TypeError(f"the store entry '{key}' is not a counter")

    def scan(self, prefix: str) -> Iterator[tuple[str, JSON]]:
        keys = self._keys(prefix)
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            with self._guard():
                texts = self._client.mget(batch)
            for name, text in zip(batch, texts, strict=True):
                if text is not None:
                    short = name[len(self._namespace) :]
                    yield short, decode(text, short, self._url)

    def clear(self, prefix: str = "") -> int:
        keys = self._keys(prefix)
        removed = 0
        with self._guard():
            for start in range(0, len(keys), _BATCH):
                removed += int(self._client.unlink(*keys[start : start + _BATCH]))
        return removed

    def close(self) -> None:
        with self._guard():
            self._client.close()

    def describe(self) -> str:
        return self._url

    def _key(self, key: str) -> str:
        return self._namespace + check_key(key)

    def _keys(self, prefix: str) -> list[str]:
        """Return the full names of keys starting with prefix, sorted (SCAN may repeat or reorder)."""
        pattern = _glob_escape(self._namespace + check_key(prefix)) + "*"
        with self._guard():
            return sorted(set(self._client.scan_iter(match=pattern, count=_BATCH)))

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Translate redis errors into a StorageError naming the server, never its password (store/errors.py)."""
        with guard("store", self._url, timeout=self._timeout, secret=self._secret):
            yield


def _px(ttl: float | None) -> int | None:
    """Return ttl as whole milliseconds for PX (at least 1), or None."""
    seconds = check_ttl(ttl)
    return None if seconds is None else max(1, round(seconds * 1000))


def _glob_escape(text: str) -> str:
    """Escape the characters SCAN MATCH treats as a pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)

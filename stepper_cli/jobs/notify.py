"""Tell someone a job is done: POST its JSON to `[notify] webhook` and/or pipe it to `[notify] command`.

The webhook is guarded against server-side request forgery: https only (http just for loopback); the
host is resolved and every address checked before any connection (no private, link-local, shared,
reserved or unspecified address unless `allow_private`, and never a cloud-metadata address); the
connection goes to the checked address (TLS still verifies the name); redirects are not followed
blindly but each hop is checked the same way. Failures are retried with backoff, then logged under
STEPPER_HOME (without the URL's path, which often holds a token) and counted; they never raise.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import os
import socket
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..config.paths import open_log, stepper_home
from ..config.urls import mask_text

if TYPE_CHECKING:
    import httpx

    from ..config.settings import NotifySettings
    from ..store import Store

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA = {ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "168.63.129.16",
)}  # fmt: skip
MAX_REDIRECTS = 5
LOG_NAME = "notify.log"


class Refused(Exception):
    """The target is not allowed; nothing was sent and retrying will not help."""


class Transient(Exception):
    """A delivery problem worth retrying (connection, timeout, 429, 5xx)."""


def payload(job: dict[str, Any], result: dict[str, Any] | None) -> bytes:
    """The JSON body: the job as `stepper status JOB --json` shows it, plus the event name."""
    from .ledger import JobInfo

    body = {"event": f"job.{job.get('state', 'done')}", **JobInfo(job).to_json(with_result=False), "result": result}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def deliver(settings: NotifySettings, store: Store | None, job: dict[str, Any], result: dict[str, Any] | None,
            **webhook_options: Any) -> list[str]:  # fmt: skip
    """Send to every configured channel; log and count each failure; return the failure messages."""
    body, failures = payload(job, result), []
    channels: list[tuple[str, Callable[[], object]]] = []
    if settings.webhook:
        channels.append(("webhook", lambda: post_webhook(settings.webhook, body, settings, **webhook_options)))
    if settings.command:
        channels.append(("command", lambda: run_command(settings.command, body, job, settings.timeout_seconds)))
    for channel, send in channels:
        try:
            send()
        except Exception as exc:
            message = f"{channel} for job {job.get('job_id')} ({str(job.get('commit'))[:12]}) failed: {exc}"
            failures.append(message)
            _record_failure(store, channel, message)
    return failures


def post_webhook(url: str, body: bytes, settings: NotifySettings, *, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, base_delay: float = 0.5) -> int:  # fmt: skip
    """POST body to url (checking every hop), retrying transient failures; return the final status."""
    import tenacity

    headers = {"Content-Type": "application/json", "User-Agent": f"stepper/{__version__}"}
    if settings.secret_env:
        secret = os.environ.get(settings.secret_env)
        if not secret:
            raise Refused(f"the signing key variable {settings.secret_env} is not set; not sending unsigned")
        digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        headers["X-Stepper-Signature"] = f"sha256={digest}"
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(settings.max_attempts),
        wait=tenacity.wait_exponential(multiplier=base_delay, max=30) + tenacity.wait_random(0, base_delay),
        retry=tenacity.retry_if_exception_type(Transient), sleep=sleep, reraise=True,
    )  # fmt: skip
    return int(retrying(_post_following, url, body, headers, settings, transport))


def check_url(url: str, allow_private: bool, allow_loopback: bool = True) -> tuple[httpx.URL, IP]:
    """Return the URL and the checked address to connect to, or raise Refused (before any connection)."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise Refused(f"'{_public(url)}' is not a valid URL") from exc
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise Refused(f"'{_public(url)}' is not an http(s) URL")
    addresses = resolve(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))
    for ip in addresses:
        problem = address_problem(ip, allow_private, allow_loopback)
        if problem:
            raise Refused(f"{parsed.host} resolves to {ip}, {problem}")
    if parsed.scheme == "http" and not all(ip.is_loopback for ip in addresses):
        raise Refused(f"'{_public(url)}' is plain http; only loopback webhooks may skip https")
    return parsed, addresses[0]


def resolve(host: str, port: int) -> list[IP]:
    """Every address host resolves to (an IP literal is returned as it is, without a lookup)."""
    try:
        return [_unmap(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Transient(f"cannot resolve {host}: {exc}") from exc
    found = list(dict.fromkeys(_unmap(ipaddress.ip_address(str(info[4][0]).split("%")[0])) for info in infos))
    if not found:
        raise Transient(f"{host} has no address")
    return found


def address_problem(ip: IP, allow_private: bool, allow_loopback: bool) -> str | None:
    """Why a webhook may not go to this address (None when it may)."""
    ip = _unmap(ip)
    if ip in METADATA:
        return "a cloud metadata address (always refused)"
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address (refused in a redirect from elsewhere)"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "not a unicast address"
    if not ip.is_global and not allow_private:
        kind = "a link-local" if ip.is_link_local else "a private"
        return f"{kind} address (set notify.allow_private = true to allow it)"
    return None


def run_command(command: str, body: bytes, job: dict[str, Any], timeout: float) -> None:
    """Run command through sh with the JSON on stdin; a non-zero exit or a timeout is a failure."""
    env = {**os.environ, "STEPPER_EVENT": f"job.{job.get('state')}", "STEPPER_JOB_ID": str(job.get("job_id")),
           "STEPPER_COMMIT": str(job.get("commit"))}  # fmt: skip
    try:
        proc = subprocess.run(["/bin/sh", "-c", command], input=body, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"the command did not finish within {timeout:g}s") from exc
    except OSError as exc:
        raise RuntimeError(f"cannot run the command: {exc}") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"the command exited {proc.returncode}" + (f": {err[-1][:200]}" if err else ""))


def append_log(name: str, line: str) -> None:
    """Append one timestamped line to a log under STEPPER_HOME (created 0600)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open_log(stepper_home() / name) as fh:
        fh.write(f"{stamp} {' '.join(mask_text(line).split())}\n")


def _post_following(url: str, body: bytes, headers: dict[str, str], settings: NotifySettings,
                    transport: httpx.BaseTransport | None) -> int:  # fmt: skip
    import httpx

    origin_is_loopback = False
    with httpx.Client(timeout=settings.timeout_seconds, follow_redirects=False, trust_env=False,
                      transport=transport) as client:  # fmt: skip
        for hop in range(MAX_REDIRECTS + 1):
            target, ip = check_url(url, settings.allow_private, allow_loopback=hop == 0 or origin_is_loopback)
            origin_is_loopback = origin_is_loopback or (hop == 0 and ip.is_loopback)
            response = _send(client, target, ip, body, headers)
            location = response.headers.get("location")
            if response.status_code in (301, 302, 307, 308) and location:
                url = str(target.join(location))
                continue
            if response.status_code == 429 or response.status_code >= 500:
                raise Transient(f"{_public(str(target))} answered {response.status_code}")
            if response.status_code >= 400:
                raise RuntimeError(f"{_public(str(target))} answered {response.status_code}")
            return response.status_code
    raise RuntimeError(f"more than {MAX_REDIRECTS} redirects")


def _send(client: httpx.Client, target: httpx.URL, ip: IP, body: bytes, headers: dict[str, str]) -> httpx.Response:
    import httpx

    pinned = target.copy_with(host=str(ip))
    host = target.netloc.decode("ascii").rpartition("@")[2]
    try:
        return client.post(pinned, content=body, headers={**headers, "Host": host},
                           extensions={"sni_hostname": target.host})  # fmt: skip
    except httpx.TransportError as exc:
        raise Transient(f"{_public(str(target))}: {type(exc).__name__} {exc}") from exc


def _unmap(ip: IP) -> IP:
    return ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip


def _public(url: str) -> str:
    """scheme://host[:port] only: a webhook's path and query often carry a secret token."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.split('/', 1)[0].rpartition('@')[2]}" if sep else "<url>"


def _record_failure(store: Store | None, channel: str, message: str) -> None:
    # best effort: a notification that fails, or a log that cannot be written, must not fail the job
    with contextlib.suppress(Exception):
        append_log(LOG_NAME, message)
    if store is not None:
        with contextlib.suppress(Exception):
            from ..store.counters import count

            count(store, "notify_failures_total", channel=channel)

"""A real redis-server on a free loopback port for the Redis backend's tests.

Fixtures: `redis_server` (one plain server for the session) and `redis_factory` (servers of a test's own,
optionally persistent, password-protected or TLS-only, stopped after the test). Register them with
`pytest_plugins = ["tests.support.redis_server"]` (in tests/conftest.py or a test module). Without a `redis-server`
binary the Redis tests are skipped, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_START_TIMEOUT = 10.0


def free_port() -> int:
    """Return a loopback TCP port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers_ping(port: int, tls: bool = False) -> bool:
    """Return whether a Redis server on the loopback port answers PING (a password-protected one: NOAUTH)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as raw:
            sock = _unverified_tls().wrap_socket(raw) if tls else raw
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def _unverified_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class Tls:
    """A throwaway self-signed certificate for 127.0.0.1 (the CA clients must trust) and its key."""

    cert: Path
    key: Path

    @classmethod
    def make(cls, directory: Path) -> Tls:
        """Generate one with the openssl CLI (valid for a day)."""
        cert, key = directory / "cert.pem", directory / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        return cls(cert, key)


class RedisServer:
    """One redis-server process; restart() keeps its port (and, when persistent, its data).

    persistent: append-only file fsynced on every write, so a restart loses nothing.
    password: `requirepass`; tls: serve TLS only (rediss://, the CA given as ?ssl_ca_certs= in the URL).
    """

    def __init__(
        self, binary: str, directory: Path, *, persistent: bool = False, password: str | None = None,
        tls: Tls | None = None,
    ) -> None:  # fmt: skip
        self.binary = binary
        self.directory = directory
        self.persistent, self.password, self.tls = persistent, password, tls
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        if self.tls:
            return f"rediss://{auth}127.0.0.1:{self.port}/0?ssl_ca_certs={self.tls.cert}"
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def _args(self) -> list[str]:
        args = ["--bind", "127.0.0.1", "--dir", str(self.directory), "--save", ""]
        if self.tls:
            args += ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(self.tls.cert)]
            args += ["--tls-key-file", str(self.tls.key), "--tls-ca-cert-file", str(self.tls.cert)]
            args += ["--tls-auth-clients", "no"]
        else:
            args += ["--port", str(self.port)]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        return args + (["--requirepass", self.password] if self.password else [])

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        log = (self.directory / "redis.log").open("ab")
        args = self._args()
        self.process = subprocess.Popen([self.binary, *args], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + _START_TIMEOUT
        while not answers_ping(self.port, tls=self.tls is not None):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server did not start on port {self.port}:\n{tail}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server (and wait for it to exit); stopping a stopped server does nothing."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop the server and start it again on the same port."""
        self.stop()
        self.start()


def redis_binary() -> str:
    """The redis-server binary; without one, skip the test (fail it under CI=true)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("redis-server is not installed, and CI must run the Redis tests")
        pytest.skip("redis-server not installed")
    return binary


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """Yield a running RedisServer (with .url, .restart(), .stop()) shared by the whole session."""
    server = RedisServer(redis_binary(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., RedisServer]]:
    """Yield start(persistent=, password=, tls=) -> a running RedisServer of this test's own; all stop after it."""
    binary = redis_binary()
    servers: list[RedisServer] = []

    def start(*, persistent: bool = False, password: str | None = None, tls: Tls | None = None) -> RedisServer:
        directory = tmp_path_factory.mktemp("redis")
        server = RedisServer(binary, directory, persistent=persistent, password=password, tls=tls)
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()

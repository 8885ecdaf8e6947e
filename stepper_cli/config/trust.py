"""Trust records for repositories' own .stepper.toml files (by path and content hash), as direnv keeps them.

STEPPER_HOME/trust.json maps a file's absolute path (not resolved: a link in another repository to a trusted
file is not trusted) to the sha256 of the content that was trusted. Any change to the file (or a move) needs
trust again. A record that cannot be read trusts nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..errors import StorageError
from .paths import read_private, stepper_home, write_private


def digest(raw: bytes) -> str:
    """The hash a trust record keeps for a file's content."""
    return hashlib.sha256(raw).hexdigest()


def _records_path() -> Path:
    return stepper_home() / "trust.json"


def _records() -> dict[str, str]:
    env = os.environ.get("STEPPER_HOME")
    path = Path(env).expanduser() / "trust.json" if env else _records_path()
    if not os.path.lexists(path):  # reading never creates STEPPER_HOME: a folder that is not there holds no trust
        return {}
    try:  # a link planted at the records is refused (StorageError: trusts nothing), never read through
        data = json.loads(read_private(path) or b"{}")
    except (ValueError, StorageError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def is_trusted(path: Path, content_digest: str) -> bool:
    """Whether this content (by its digest) was trusted at this path."""
    return _records().get(os.path.abspath(path)) == content_digest


def trust(path: Path, content_digest: str) -> None:
    """Record this content of the file (the content that was shown to the user) as trusted."""
    records = _records()
    records[os.path.abspath(path)] = content_digest
    write_private(_records_path(), json.dumps(records, indent=2, sort_keys=True).encode())

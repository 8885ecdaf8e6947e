"""Trust records for repositories' own .stepper.toml files (by path and content hash)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .paths import stepper_home, write_private


def _records_path() -> Path:
    return stepper_home() / "trust.json"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _records() -> dict[str, str]:
    try:
        data = json.loads(_records_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_trusted(path: Path) -> bool:
    """Whether this exact file content was trusted at this path."""
    return _records().get(str(path.resolve())) == _digest(path)


def trust(path: Path) -> str:
    """Record the file's current content as trusted; return its hash."""
    records = _records()
    digest = _digest(path)
    records[str(path.resolve())] = digest
    write_private(_records_path(), json.dumps(records, indent=2, sort_keys=True).encode())
    return digest

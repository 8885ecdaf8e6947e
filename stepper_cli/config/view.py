"""Config for people: the effective values with sources (secrets masked), file locations,
the starter file and trusting a repository's file."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError, UsageError
from .allowlist import Beyond, beyond
from .load import load_settings
from .model import to_data
from .paths import stepper_home, user_config_path
from .settings import REPO_FILE, config_files, user_layer
from .sources import parse_toml, read_bytes
from .trust import digest, trust
from .urls import mask_values


def effective_config(root: Path | None) -> tuple[list[tuple[str, Any, str]], list[str]]:
    """Rows of (dotted key, value, source) for every setting in the repository at root (or none), and warnings."""
    loaded = load_settings(root)
    data = to_data(loaded.settings)
    rows: list[tuple[str, Any, str]] = []
    for key, value in _walk(data):
        source = loaded.sources.get(key) or _list_source(key, loaded.sources) or "default"
        rows.append((key, mask_values(key, value), source))
    return rows, loaded.warnings


def _walk(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(data, dict):
        return [kv for k, v in data.items() for kv in _walk(v, f"{prefix}{k}.")]
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        return [kv for i, v in enumerate(data) for kv in _walk(v, f"{prefix}{i}.")]
    return [(prefix.rstrip("."), data)]


def _list_source(key: str, sources: dict[str, str]) -> str | None:
    head, _, rest = key.partition(".")
    if not rest.split(".")[0].isdigit():  # only entries of a list (providers.0.name) take the list's source
        return None
    return next((v for k, v in sources.items() if k.split(".")[0] == head), None)


def config_locations(root: Path | None) -> dict[str, str]:
    """Where configuration and state live for the repository at root (or outside any)."""
    applied = [str(p) for p in config_files(root)]
    repo_file = root / REPO_FILE if root else None
    return {
        "user_config": str(user_config_path()),
        "repo_config": str(repo_file) if repo_file else "(not in a repository)",
        "in_use": ", ".join(applied) or "(defaults only)",
        "stepper_home": str(stepper_home()),
    }


def starter_text() -> str:
    """The starter config (the same text as config.example.toml)."""
    return resources.files("stepper_cli").joinpath("config.example.toml").read_text("utf-8")


def write_starter(target: Path | None, *, force: bool) -> Path:
    """Write the starter config to target (default: the user config file)."""
    path = target or user_config_path()
    if path.exists() and not force:
        raise UsageError(f"{path} already exists.", hint="Pass --force to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_text(), encoding="utf-8")
    return path


@dataclass(frozen=True)
class TrustPlan:
    """What trusting a repository's file would turn on (secrets masked), and the content it would trust."""

    file: Path
    digest: str
    turns_on: list[Beyond]

    def to_json(self, trusted: bool) -> dict[str, Any]:
        return {"file": str(self.file), "sha256": self.digest, "trusted": trusted,
                "turns_on": [{"key": b.key, "value": b.value, "note": b.note} for b in self.turns_on]}  # fmt: skip


def trust_plan(root: Path) -> TrustPlan:
    """Read the repository's .stepper.toml and list what it sets beyond the allow-list (masked).

    The file is validated as it would apply once trusted: a file that would break every command is refused.
    """
    file = root / REPO_FILE
    if not file.is_file():
        raise ConfigError("there is no file to trust", file=str(file), hint="Create .stepper.toml first.")
    raw = read_bytes(file)
    data = parse_toml(file, raw)
    load_settings(root, assume_trusted=True)
    found = [Beyond(b.key, mask_values(b.key, b.value), b.note) for b in beyond(data, user_layer(root))]
    return TrustPlan(file, digest(raw), found)


def trust_repo_file(plan: TrustPlan) -> None:
    """Trust the content the plan was made from (an edit since then needs trust again)."""
    trust(plan.file, plan.digest)

"""Configuration: the pydantic-settings model, its layered sources, provenance and repo trust.

Precedence (highest first): flags > STEPPER_* env > repo .stepper.toml > STEPPER_CONFIG or user file >
defaults. Tables are merged key by key, not replaced.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ..errors import ConfigError
from .paths import user_config_path
from .presets import KINDS, PRESETS
from .trust import is_trusted

REPO_FILE = ".stepper.toml"
_FLAT = "Stepper's settings are tables of plain values; see config.example.toml."
UNTRUSTED_KEYS = ("providers", "notify")


class _Section(BaseModel):
    # TOML has inf and nan; no setting means anything with them (an infinite deadline cannot be stored)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RetrySettings(_Section):
    max_attempts: int = Field(3, ge=1, le=20)
    base_delay_seconds: float = Field(0.5, ge=0)
    deadline_seconds: float = Field(120, gt=0)


class BreakerSettings(_Section):
    failure_threshold: int = Field(5, ge=1)
    window_seconds: float = Field(60, gt=0)
    cooldown_seconds: float = Field(60, ge=0)


class CacheSettings(_Section):
    ttl_seconds: int = Field(604800, ge=0)
    stale_seconds: int = Field(86400, ge=0)
    fallback_stale_seconds: int = Field(3600, ge=0)


class QueueSettings(_Section):
    url: str = ""
    lease_seconds: float = Field(60, gt=0)
    concurrency: int = Field(4, ge=1, le=64)


class EvidenceSettings(_Section):
    max_diff_bytes: int = Field(49152, ge=1024)
    exclude: list[str] = ["*.lock", "package-lock.json", "*.min.js", "vendor/**"]
    redact: bool = True


class HookSettings(_Section):
    mode: Literal["enqueue", "report"] = "enqueue"
    skip_during_rebase: bool = False
    report_budget_seconds: float = Field(10, gt=0)


class NotifySettings(_Section):
    webhook: str = ""
    command: str = ""
    timeout_seconds: float = Field(10, gt=0)
    max_attempts: int = Field(3, ge=1)
    secret_env: str = ""
    allow_private: bool = False


class NotesSettings(_Section):
    ref: str = "refs/notes/stepper"
    worker: bool = False


class RetryOverride(_Section):
    max_attempts: int | None = Field(None, ge=1, le=20)
    base_delay_seconds: float | None = Field(None, ge=0)


class BreakerOverride(_Section):
    failure_threshold: int | None = Field(None, ge=1)
    window_seconds: float | None = Field(None, gt=0)
    cooldown_seconds: float | None = Field(None, ge=0)


class ProviderSettings(_Section):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: str
    model: str = ""
    base_url: str = ""
    api_key_env: str = ""
    timeout_seconds: float = Field(30, gt=0)
    rps: float = Field(1.0, gt=0)
    concurrency: int = Field(2, ge=1)
    prompt: str = "comprehensive"
    max_tokens: int = Field(1500, ge=64)
    enabled: bool = True
    retry: RetryOverride = RetryOverride()
    breaker: BreakerOverride = BreakerOverride()

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "kind" not in data:
            return data
        kind = data["kind"]
        if kind not in PRESETS and kind not in KINDS:
            valid = ", ".join(sorted(set(KINDS) | set(PRESETS)))
            raise ValueError(f"unknown provider kind '{kind}' (valid kinds: {valid})")
        preset = PRESETS.get(kind)
        if preset is None:
            return data
        return {**{k: v for k, v in preset.items() if v}, **data, "kind": preset["kind"]}


class Settings(BaseSettings):
    """Every configuration key of stepper, with its default."""

    model_config = SettingsConfigDict(env_prefix="STEPPER_", env_nested_delimiter="__", extra="forbid", frozen=True)

    providers: list[ProviderSettings] = []
    retry: RetrySettings = RetrySettings()
    breaker: BreakerSettings = BreakerSettings()
    cache: CacheSettings = CacheSettings()
    queue: QueueSettings = QueueSettings()
    evidence: EvidenceSettings = EvidenceSettings()
    hook: HookSettings = HookSettings()
    notify: NotifySettings = NotifySettings()
    notes: NotesSettings = NotesSettings()

    @field_validator("providers")
    @classmethod
    def _unique_names(cls, providers: list[ProviderSettings]) -> list[ProviderSettings]:
        # on the field, not the model, so that the error names the file holding [[providers]]
        names = [p.name for p in providers]
        dupes = sorted({n for n in names if names.count(n) > 1} | ({"local"} & set(names)))
        if dupes:
            raise ValueError(f"provider names must be unique and not 'local': {', '.join(dupes)}")
        return providers

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSource(settings_cls))


_file_layer: dict[str, Any] = {}


class _FileSource(PydanticBaseSettingsSource):
    """The merged TOML files, handed over by `load_settings` (pydantic-settings calls this)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return _file_layer.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_file_layer)


@dataclass
class LoadedConfig:
    """Settings plus where each value came from and what was ignored."""

    settings: Settings
    files: list[Path]
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def config_files(repo_root: Path | None) -> list[Path]:
    """Return the config files that apply, lowest precedence first (existing ones only)."""
    explicit = os.environ.get("STEPPER_CONFIG")
    first = Path(explicit).expanduser() if explicit else user_config_path()
    files = [first] if explicit or first.is_file() else []
    if repo_root is not None and (repo_root / REPO_FILE).is_file():
        files.append(repo_root / REPO_FILE)
    return files


def load_settings(repo_root: Path | None = None, overrides: dict[str, Any] | None = None) -> LoadedConfig:
    """Load and validate configuration for a repository (or none), with provenance."""
    files = config_files(repo_root)
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    warnings: list[str] = []
    for path in files:
        data = read_toml(path)
        if path.name == REPO_FILE and not is_trusted(path):
            data = _strip_untrusted(path, data, warnings)
        try:
            _merge(merged, data, sources, str(path))
        except RecursionError as exc:  # [a.a.a....] table headers thousands deep
            raise ConfigError("it is nested too deeply to read", file=str(path), hint=_FLAT) from exc
    env_keys = _env_keys()
    for key in env_keys:
        sources[key] = f"env {env_keys[key]}"
    for key in _flatten(overrides or {}):
        sources[key] = "flag"
    global _file_layer
    _file_layer = merged
    try:
        settings = Settings(**(overrides or {}))
    except ValidationError as exc:
        raise _config_error(exc, sources) from exc
    finally:
        _file_layer = {}
    return LoadedConfig(settings=settings, files=files, sources=sources, warnings=warnings)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; any problem is a ConfigError naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError("the file does not exist", file=str(path), hint="Unset STEPPER_CONFIG or create it.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", file=str(path)) from exc
    except RecursionError as exc:  # arrays or inline tables nested thousands deep
        raise ConfigError("it is nested too deeply to read", file=str(path), hint=_FLAT) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read it ({exc})", file=str(path)) from exc


def _strip_untrusted(path: Path, data: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    dropped = [k for k in UNTRUSTED_KEYS if k in data]
    if dropped:
        warnings.append(
            f"warning: ignoring [{'], ['.join(dropped)}] in {path} until you run 'stepper config trust' there"
        )
    return {k: v for k, v in data.items() if k not in UNTRUSTED_KEYS}


def _merge(into: dict[str, Any], data: dict[str, Any], sources: dict[str, str], label: str, prefix: str = "") -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, sources, label, dotted + ".")
            continue
        into[key] = _copy(value)
        for sub in _flatten({key: value}, prefix):
            sources[sub] = label


def _copy(value: Any) -> Any:
    return {k: _copy(v) for k, v in value.items()} if isinstance(value, dict) else value


def _flatten(data: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            keys.extend(_flatten(value, f"{prefix}{key}."))
        else:
            keys.append(f"{prefix}{key}")
    return keys


def _env_keys() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in os.environ:
        if name.startswith("STEPPER_") and name not in ("STEPPER_HOME", "STEPPER_CONFIG"):
            found[name[len("STEPPER_") :].lower().replace("__", ".")] = name
    return found


def _config_error(exc: ValidationError, sources: dict[str, str]) -> ConfigError:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    key = ".".join(loc)
    origin = next((sources[k] for k in (key, *_parents(loc)) if k in sources), None)
    if origin is None:  # a whole table is wrong (an unknown [section]): where do its keys come from?
        origin = next((v for k, v in sources.items() if k.startswith(f"{key}.")), None)
    if origin is None and loc and loc[0] == "providers":
        origin = next((v for k, v in sources.items() if k.startswith("providers")), None)
    reason = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
    shown = key if key.isprintable() else key.encode("unicode_escape").decode()  # a key may hold a newline
    return ConfigError(reason, file=origin or "defaults", key=shown)


def _parents(loc: list[str]) -> list[str]:
    return [".".join(loc[:i]) for i in range(len(loc) - 1, 0, -1)]

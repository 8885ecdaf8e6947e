"""Configuration: the settings model, and `load_settings`, which layers its sources per call.

Precedence (highest first): flags > STEPPER_* env > repo .stepper.toml > STEPPER_CONFIG or user file >
defaults. Tables are merged key by key; lists (`exclude`, `[[providers]]`) replace the list below them.
An untrusted repository file contributes only the keys of the allow-list (allowlist.py).

Loading is pure: no module-level state. Each call reads the files and the environment (through
pydantic-settings' env source, per call, imported only when a STEPPER_* variable is set) and validates the
merged data; `Settings` is a plain model that validates only what it is given, so any thread may load any
repository's settings at any time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError
from .allowlist import shown, untrusted_part, warning_line
from .presets import KINDS, PRESETS
from .sources import REPO_FILE, config_error, config_files, env_layer, flatten, merge, parse_toml, read_bytes
from .trust import digest, is_trusted

__all__ = ["REPO_FILE", "LoadedConfig", "Settings", "config_files", "load_settings"]

PROMPT_STYLES = ("comprehensive", "simple")  # the built-in templates (generate/prompt.py; a test keeps them equal)


class _Section(BaseModel):
    # TOML has inf and nan; no setting means anything with them (an infinite deadline cannot be stored)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RetrySettings(_Section):
    max_attempts: int = Field(3, ge=1, le=20)
    base_delay_seconds: float = Field(0.5, ge=0)
    deadline_seconds: float = Field(45, gt=0)  # the whole chain, per report: a person is waiting


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
    repositories: list[str] = []  # a team worker also runs jobs of these (user config; enqueue registers its own)

    @field_validator("url")
    @classmethod
    def _store_url(cls, url: str) -> str:
        # checked here so that a bad URL is exit 4 naming its file on every command (the value is not echoed:
        # it may hold a password)
        if not url.strip():
            return url
        try:
            parts = urlsplit(url.strip())
            parts.port  # noqa: B018 - parsing the port is the check (a port out of range raises)
        except ValueError as exc:
            raise ValueError(f"it is not a valid URL ({exc})") from None
        if parts.scheme.lower() not in ("redis", "rediss") or not parts.hostname:
            raise ValueError("use redis://[:password@]host:port/db or rediss://…, or leave it empty for local files")
        return url


class EvidenceSettings(_Section):
    max_diff_bytes: int = Field(49152, ge=1024)
    exclude: list[str] = ["*.lock", "package-lock.json", "*.min.js", "vendor/**"]
    redact: bool = True


class PromptSettings(_Section):
    style: Literal["", "comprehensive", "simple"] = ""


class HookSettings(_Section):
    mode: Literal["enqueue", "report"] = "enqueue"
    skip_during_rebase: bool = True  # a rebase queues its commits once, from post-rewrite
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

    @field_validator("ref")
    @classmethod
    def _valid_ref(cls, ref: str) -> str:
        from .refname import ref_problem

        problem = ref_problem(ref)
        if problem is not None:
            raise ValueError(f"not a git ref name: {problem}")
        return ref


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
    max_reply_bytes: int = Field(4 * 1024 * 1024, ge=1024)  # a reply is cut off past this, while streaming
    mode: Literal["gradio", "tgi", "infer"] = "gradio"  # hf-space: which API the Space speaks
    api_name: str = Field("predict", pattern=r"^/?[A-Za-z0-9_.-]+$")  # hf-space, gradio mode: the endpoint
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


class Settings(BaseModel):
    """Every configuration key of stepper, with its default (constructing one validates only what it is given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    providers: list[ProviderSettings] = []
    retry: RetrySettings = RetrySettings()
    breaker: BreakerSettings = BreakerSettings()
    cache: CacheSettings = CacheSettings()
    queue: QueueSettings = QueueSettings()
    evidence: EvidenceSettings = EvidenceSettings()
    prompt: PromptSettings = PromptSettings()
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

    @model_validator(mode="before")
    @classmethod
    def _apply_prompt_style(cls, data: Any) -> Any:
        # prompt.style picks the built-in template of every provider that uses one (a template file stays)
        if not isinstance(data, dict) or not isinstance(data.get("providers"), list):
            return data
        section = data.get("prompt")
        style = section.get("style") if isinstance(section, dict) else getattr(section, "style", "")
        if style not in PROMPT_STYLES:
            return data
        return {**data, "providers": [_restyle(p, style) for p in data["providers"]]}


def _restyle(provider: Any, style: str) -> Any:
    if isinstance(provider, dict) and provider.get("prompt", "comprehensive") in PROMPT_STYLES:
        return {**provider, "prompt": style}
    if isinstance(provider, ProviderSettings) and provider.prompt in PROMPT_STYLES:
        return provider.model_copy(update={"prompt": style})
    return provider


@dataclass
class LoadedConfig:
    """Settings plus where each value came from and what was ignored."""

    settings: Settings
    files: list[Path]
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def load_settings(
    repo_root: Path | None = None, overrides: dict[str, Any] | None = None, *, assume_trusted: bool = False
) -> LoadedConfig:
    """Load and validate configuration for a repository (or none), with provenance.

    assume_trusted: apply the repository's file whole, as `stepper config trust` checks it before asking.
    """
    files = config_files(repo_root)
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    warnings: list[str] = []
    for path in files:
        data = _file_layer(path, None if assume_trusted else repo_root, merged, warnings)
        merge(merged, data, sources, str(path))
    env, names = env_layer(Settings)
    merge(merged, env, {}, "env")
    for key in flatten(env):
        sources[key] = "env " + next((v for k, v in names.items() if key == k or key.startswith(k + ".")), "")
    merge(merged, overrides or {}, sources, "flag")
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        raise config_error(exc, sources) from exc
    return LoadedConfig(settings=settings, files=files, sources=sources, warnings=warnings)


def _file_layer(path: Path, repo_root: Path | None, below: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """One file's data; an untrusted repository file only as far as the allow-list lets it."""
    raw = read_bytes(path)
    data = parse_toml(path, raw)
    if repo_root is None or path != repo_root / REPO_FILE or is_trusted(path, digest(raw)):
        return data
    try:
        applied, ignored = untrusted_part(data, defaults_under(below))
    except RecursionError as exc:
        raise ConfigError("it is nested too deeply to read", file=shown(str(path))) from exc
    if ignored:
        warnings.append(warning_line(str(path), str(repo_root), ignored))
    return applied


def user_layer(repo_root: Path) -> dict[str, Any]:
    """The defaults with the user's file (or STEPPER_CONFIG) on top: what the repository's file sits on."""
    merged: dict[str, Any] = {}
    for path in config_files(repo_root):
        if path != repo_root / REPO_FILE:
            merge(merged, parse_toml(path, read_bytes(path)), {}, str(path))
    return defaults_under(merged)


def defaults_under(layer: dict[str, Any]) -> dict[str, Any]:
    """The defaults with a layer merged on top: the values an untrusted file's rules compare with."""
    values = Settings().model_dump()
    merge(values, layer, {}, "below")
    return values

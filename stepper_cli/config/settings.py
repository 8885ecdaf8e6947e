"""Configuration: the validating models, and `validated_load`, which layers the sources per call (`load.py`'s
`load_settings` calls it whenever something configures stepper).

Precedence (highest first): flags > STEPPER_* env > repo .stepper.toml > STEPPER_CONFIG or user file >
defaults. Tables are merged key by key; lists (`exclude`, `[[providers]]`) replace the list below them.
An untrusted repository file contributes only the keys of the allow-list (allowlist.py).

Loading is pure: no state but the validating models, made once from the plain settings classes (model.py,
where every key, default and bound is written). Each call reads the files and the environment (through
pydantic-settings' env source, per call, imported only when a STEPPER_* variable is set), validates the
merged data with those models and builds the plain `Settings` from what passed, so any thread may load any
repository's settings at any time.
"""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from ..errors import ConfigError
from .allowlist import shown, untrusted_part, warning_line
from .model import (
    BreakerOverride,
    BreakerSettings,
    CacheSettings,
    EvidenceSettings,
    HookSettings,
    LoadedConfig,
    NotesSettings,
    NotifySettings,
    PromptSettings,
    ProviderSettings,
    QueueSettings,
    RetryOverride,
    RetrySettings,
    Settings,
    build,
    hints,
    nested,
    to_data,
)
from .presets import KINDS, PRESETS
from .sources import REPO_FILE, config_error, config_files, env_layer, flatten, merge, parse_toml, read_bytes
from .trust import digest, is_trusted

__all__ = ["REPO_FILE", "BreakerOverride", "BreakerSettings", "CacheSettings", "EvidenceSettings", "HookSettings",
           "LoadedConfig", "NotesSettings", "NotifySettings", "PromptSettings", "ProviderSettings", "QueueSettings",
           "RetryOverride", "RetrySettings", "Settings", "config_files", "validated", "validated_load"]  # fmt: skip
T = TypeVar("T")

PROMPT_STYLES = ("comprehensive", "simple")  # the built-in templates (generate/prompt.py; a test keeps them equal)


_MODELS: dict[type[Any], type[BaseModel]] = {}
_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # TOML has inf and nan; no setting wants them


def _store_url(url: str) -> str:
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


def _valid_ref(ref: str) -> str:
    from .refname import ref_problem

    problem = ref_problem(ref)
    if problem is not None:
        raise ValueError(f"not a git ref name: {problem}")
    return ref


def _apply_preset(data: Any) -> Any:
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


def _unique_names(providers: list[Any]) -> list[Any]:
    # on the field, not the model, so that the error names the file holding [[providers]]
    names = [p.name for p in providers]
    dupes = sorted({n for n in names if names.count(n) > 1} | ({"local"} & set(names)))
    if dupes:
        raise ValueError(f"provider names must be unique and not 'local': {', '.join(dupes)}")
    return providers


def _apply_prompt_style(data: Any) -> Any:
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
    return provider


_CHECKS: dict[type[Any], dict[str, Any]] = {
    QueueSettings: {"_store_url": field_validator("url")(_store_url)},
    NotesSettings: {"_valid_ref": field_validator("ref")(_valid_ref)},
    ProviderSettings: {"_apply_preset": model_validator(mode="before")(_apply_preset)},
    Settings: {"_unique_names": field_validator("providers")(_unique_names),
               "_apply_prompt_style": model_validator(mode="before")(_apply_prompt_style)},
}  # fmt: skip


def validator(cls: type[Any]) -> type[BaseModel]:
    """The pydantic model that checks data for a settings class (model.py), made once from its fields."""
    made = _MODELS.get(cls)
    if made is None:
        specs = {f.name: _spec(f, hints(cls)[f.name]) for f in dataclasses.fields(cls)}
        made = _MODELS[cls] = create_model(  # type: ignore[call-overload]
            cls.__name__, __config__=_CONFIG, __validators__=_CHECKS.get(cls), __module__=__name__, **specs
        )
    return made


def _spec(f: dataclasses.Field[Any], kind: Any) -> tuple[Any, Any]:
    inner = nested(kind)
    if inner is not None:
        model = validator(inner)
        kind = list[model] if typing.get_origin(kind) is list else model  # type: ignore[valid-type]
    if f.default is not dataclasses.MISSING:
        return kind, Field(f.default, **f.metadata)
    if f.default_factory is dataclasses.MISSING:
        return kind, Field(**f.metadata)
    factory = validator(inner) if inner is not None and typing.get_origin(kind) is not list else f.default_factory
    return kind, Field(default_factory=factory, **f.metadata)


def validated(cls: type[T], data: dict[str, Any]) -> T:
    """Check data as a settings class (presets applied), and build it; pydantic's ValidationError if it fails."""
    return build(cls, validator(cls).model_validate(data).model_dump())


def validated_load(
    files: list[Path], repo_root: Path | None, overrides: dict[str, Any] | None, *, assume_trusted: bool
) -> LoadedConfig:
    """Load and validate the configuration of these files, the STEPPER_* variables and overrides, with provenance.

    assume_trusted: apply the repository's file whole, as `stepper config trust` checks it before asking.
    """
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    warnings: list[str] = []
    for path in files:
        data = _file_layer(path, None if assume_trusted else repo_root, merged, warnings)
        merge(merged, data, sources, str(path))
    env, names = env_layer(validator(Settings))
    merge(merged, env, {}, "env")
    for key in flatten(env):
        sources[key] = "env " + next((v for k, v in names.items() if key == k or key.startswith(k + ".")), "")
    merge(merged, overrides or {}, sources, "flag")
    try:
        settings = validated(Settings, merged)
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
    values: dict[str, Any] = to_data(Settings())
    merge(values, layer, {}, "below")
    return values

"""The settings as plain data: every key, its type, default and bounds, written once, in the standard library only.

These frozen dataclasses are what the rest of stepper reads. They validate nothing themselves: config/settings.py
derives the pydantic models that check a configuration from them (the bounds are each field's metadata, in
pydantic's Field terms) and builds these from what passed. A value built from a settings snapshot
(generate/snapshot.py) was validated so when the snapshot was written; `build` only rebuilds it, so the paths
that reuse a snapshot never import pydantic.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field
from pathlib import Path
from typing import Any, Literal

from .plain import build, hints, nested, to_data

__all__ = ["build", "hints", "nested", "to_data"]  # the plain-data helpers, where the settings are


def bounded(default: Any = MISSING, **rules: Any) -> Any:
    """A field with these validation rules (pydantic Field keywords: ge, gt, le, min_length, pattern)."""
    return field(default=default, metadata=rules)


@dataclass(frozen=True)
class RetrySettings:
    max_attempts: int = bounded(3, ge=1, le=20)
    base_delay_seconds: float = bounded(0.5, ge=0)
    deadline_seconds: float = bounded(45, gt=0)  # the whole chain, per report: a person is waiting


@dataclass(frozen=True)
class BreakerSettings:
    failure_threshold: int = bounded(5, ge=1)
    window_seconds: float = bounded(60, gt=0)
    cooldown_seconds: float = bounded(60, ge=0)


@dataclass(frozen=True)
class CacheSettings:
    ttl_seconds: int = bounded(604800, ge=0)
    stale_seconds: int = bounded(86400, ge=0)
    fallback_stale_seconds: int = bounded(3600, ge=0)


@dataclass(frozen=True)
class QueueSettings:
    url: str = ""  # checked by settings.py (a redis URL or empty)
    lease_seconds: float = bounded(60, gt=0)
    concurrency: int = bounded(4, ge=1, le=64)
    repositories: list[str] = field(
        default_factory=list
    )  # a team worker also runs jobs of these (user config; enqueue registers its own)


@dataclass(frozen=True)
class EvidenceSettings:
    max_diff_bytes: int = bounded(49152, ge=1024)
    exclude: list[str] = field(default_factory=lambda: ["*.lock", "package-lock.json", "*.min.js", "vendor/**"])
    redact: bool = True


@dataclass(frozen=True)
class PromptSettings:
    style: Literal["", "comprehensive", "simple"] = ""


@dataclass(frozen=True)
class HookSettings:
    mode: Literal["enqueue", "report"] = "enqueue"
    skip_during_rebase: bool = True  # a rebase queues its commits once, from post-rewrite
    report_budget_seconds: float = bounded(10, gt=0)


@dataclass(frozen=True)
class NotifySettings:
    webhook: str = ""
    command: str = ""
    timeout_seconds: float = bounded(10, gt=0)
    max_attempts: int = bounded(3, ge=1)
    secret_env: str = ""
    allow_private: bool = False


@dataclass(frozen=True)
class NotesSettings:
    ref: str = "refs/notes/stepper"  # checked by settings.py (a git ref name)
    worker: bool = False


@dataclass(frozen=True)
class RetryOverride:
    max_attempts: int | None = bounded(None, ge=1, le=20)
    base_delay_seconds: float | None = bounded(None, ge=0)


@dataclass(frozen=True)
class BreakerOverride:
    failure_threshold: int | None = bounded(None, ge=1)
    window_seconds: float | None = bounded(None, gt=0)
    cooldown_seconds: float | None = bounded(None, ge=0)


@dataclass(frozen=True)
class ProviderSettings:
    name: str = bounded(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: str = bounded()  # a kind or a preset (settings.py applies the preset)
    model: str = ""
    base_url: str = ""
    api_key_env: str = ""
    timeout_seconds: float = bounded(30, gt=0)
    rps: float = bounded(1.0, gt=0)
    concurrency: int = bounded(2, ge=1)
    prompt: str = "comprehensive"
    max_tokens: int = bounded(1500, ge=64)
    max_reply_bytes: int = bounded(4 * 1024 * 1024, ge=1024)  # a reply is cut off past this, while streaming
    mode: Literal["gradio", "tgi", "infer"] = "gradio"  # hf-space: which API the Space speaks
    api_name: str = bounded("predict", pattern=r"^/?[A-Za-z0-9_.-]+$")  # hf-space, gradio mode: the endpoint
    enabled: bool = True
    retry: RetryOverride = field(default_factory=RetryOverride)
    breaker: BreakerOverride = field(default_factory=BreakerOverride)


@dataclass(frozen=True)
class Settings:
    """Every configuration key of stepper, with its default."""

    providers: list[ProviderSettings] = field(default_factory=list)  # names unique, not 'local' (settings.py)
    retry: RetrySettings = field(default_factory=RetrySettings)
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    queue: QueueSettings = field(default_factory=QueueSettings)
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)
    prompt: PromptSettings = field(default_factory=PromptSettings)
    hook: HookSettings = field(default_factory=HookSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    notes: NotesSettings = field(default_factory=NotesSettings)


@dataclass
class LoadedConfig:
    """Settings plus where each value came from and what was ignored."""

    settings: Settings
    files: list[Path]
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

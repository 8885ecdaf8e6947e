"""`report --dry-run`: show exactly what the chain would send for a commit, and send nothing.

The prompt shown is the one the providers get: after exclusions, the byte budget and redaction,
rendered with each provider's template. Nothing is sent, the store is not opened, no key is read
beyond checking that its variable is set.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..config.model import ProviderSettings, Settings
from ..config.urls import mask_url
from ..git.commits import Commit
from ..providers.registry import key_present, needs_key
from ..report.model import Coverage
from ..resilience.chain import ChainOptions, select_providers
from ..resilience.runner import LOCAL
from .evidence import build_evidence
from .prompt import render_prompt

DEFAULT_TEMPLATE = "comprehensive"
BYTES_PER_TOKEN = 4  # a rough estimate that holds for English text and code


@dataclass(frozen=True)
class PlannedProvider:
    """A provider as the chain would meet it."""

    name: str
    kind: str
    model: str
    base_url: str
    template: str
    skip: str | None  # why it would be passed over without sending: "disabled", "no_key"


@dataclass(frozen=True)
class PlannedPrompt:
    """The text sent to the providers that use one template."""

    template: str
    providers: tuple[str, ...]
    system: str
    user: str

    @property
    def size_bytes(self) -> int:
        return len((self.system + self.user).encode("utf-8", "surrogateescape"))

    @property
    def tokens(self) -> int:
        return math.ceil(self.size_bytes / BYTES_PER_TOKEN)


@dataclass(frozen=True)
class DryRun:
    """What one report would send, to whom, in which order."""

    commit: str
    repo: str
    providers: tuple[PlannedProvider, ...]
    prompts: tuple[PlannedPrompt, ...]
    redactions: int
    coverage: Coverage

    @property
    def chain(self) -> tuple[str, ...]:
        return (*(p.name for p in self.providers), LOCAL)

    @property
    def sends(self) -> bool:
        """Whether any provider would be sent the prompt."""
        return any(p.skip is None for p in self.providers)

    def to_json(self) -> dict[str, Any]:
        """The dry run as a JSON object."""
        return {
            "commit": self.commit,
            "repo": self.repo,
            "chain": list(self.chain),
            "sends": self.sends,
            "providers": [vars(p) for p in self.providers],
            "prompts": [
                {**vars(p), "providers": list(p.providers), "bytes": p.size_bytes, "tokens": p.tokens}
                for p in self.prompts
            ],
            "redactions": self.redactions,
            "coverage": self.coverage.model_dump(),
        }

    def to_text(self) -> str:
        """The dry run for a person: the chain, the sizes, then each prompt in full."""
        cov = self.coverage
        lines = [f"Dry run for commit {self.commit} in {self.repo}: nothing was sent.", f"Chain: {self._chain_text()}"]
        lines.append(
            f"Evidence: {cov.files_in_prompt} of {cov.files} files, {cov.diff_bytes_in_prompt} of {cov.diff_bytes} "
            f"diff bytes{' (truncated)' if cov.truncated else ''}; {self.redactions} secret(s) redacted."
        )
        for prompt in self.prompts:
            who = ", ".join(prompt.providers) if self.sends else "a provider, once one is configured"
            lines += [
                "",
                f"=== prompt '{prompt.template}' for {who}: {prompt.size_bytes} bytes, ~{prompt.tokens} tokens ===",
                "--- system ---",
                prompt.system.rstrip("\n"),
                "--- user ---",
                prompt.user.rstrip("\n"),
            ]
        return "\n".join(lines) + "\n"

    def _chain_text(self) -> str:
        if not self.providers:
            return "local only (nothing would leave this machine)"
        parts = []
        for p in self.providers:
            skip = f", skipped: {p.skip}" if p.skip else ""
            parts.append(f"{p.name} ({p.kind} {p.model or 'default model'} at {p.base_url}{skip})")
        return " → ".join([*parts, LOCAL])


def plan(
    settings: Settings, commit: Commit, repo: str, options: ChainOptions, env: Mapping[str, str] = os.environ
) -> DryRun:
    """Return what the chain would send for one commit under these options."""
    evidence = build_evidence(commit, settings.evidence)
    providers = tuple(_planned(p, env) for p in select_providers(settings, options))
    sending = [p for p in providers if p.skip is None]
    templates = dict.fromkeys(p.template for p in sending) or {DEFAULT_TEMPLATE: None}
    prompts = []
    for template in templates:
        prompt = render_prompt(template, commit, evidence)
        users = tuple(p.name for p in sending if p.template == template)
        prompts.append(PlannedPrompt(template, users, prompt.system, prompt.user))
    return DryRun(commit.sha, repo, providers, tuple(prompts), evidence.redactions, evidence.coverage)


def _planned(p: ProviderSettings, env: Mapping[str, str]) -> PlannedProvider:
    skip = "disabled" if not p.enabled else "no_key" if needs_key(p) and not key_present(p, env) else None
    return PlannedProvider(p.name, p.kind, p.model, mask_url(p.base_url) if p.base_url else "(default)", p.prompt, skip)

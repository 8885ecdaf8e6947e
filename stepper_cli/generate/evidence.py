"""The evidence a model sees: the commit's diff text within a byte budget, filled by priority, with
excluded files counted but left out, then redacted. Also the coverage record of what made it in."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.settings import EvidenceSettings
from ..git.commits import Commit, FileChange
from ..report.model import Coverage
from .filekinds import classify, matches_any

MIN_PARTIAL = 512  # a file's diff is cut only if at least this much of it fits
CUT_MARK = "\n… [diff truncated to fit the budget]\n"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What may be sent about one commit, already inside its budget and redacted."""

    message: str
    files_table: str
    diff_text: str
    coverage: Coverage
    redactions: int


def build_evidence(commit: Commit, settings: EvidenceSettings) -> Evidence:
    """Select diff text by priority within the budget, then redact everything that may leave."""
    chosen, in_prompt, truncated = _fill_budget(commit.files, settings)
    diff_bytes = sum(f.diff_bytes for f in commit.files)
    coverage = Coverage(
        files=len(commit.files),
        files_in_prompt=in_prompt,
        diff_bytes=diff_bytes,
        diff_bytes_in_prompt=sum(len(c.encode("utf-8", "surrogateescape")) for c in chosen),
        truncated=truncated,
    )
    message = f"{commit.subject}\n\n{commit.body}".strip()
    table = _files_table(commit)
    diff_text = "".join(chosen)
    redactions = 0
    if settings.redact:
        from .redact import redact

        parts = []
        for text in (message, table, diff_text):
            clean, count = redact(text)
            parts.append(clean)
            redactions += count
        message, table, diff_text = parts
    return Evidence(message, table, diff_text, coverage, redactions)


def _fill_budget(files: tuple[FileChange, ...], settings: EvidenceSettings) -> tuple[list[str], int, bool]:
    budget = settings.max_diff_bytes
    chosen: list[str] = []
    in_prompt = 0
    truncated = False
    for f in sorted(files, key=lambda f: (classify(f.path).priority, f.path)):
        if not f.diff or f.binary:
            continue
        if classify(f.path).excluded or matches_any(f.path, settings.exclude):
            truncated = truncated or f.diff_bytes > 0
            continue
        size = f.diff_bytes
        if size <= budget:
            chosen.append(f.diff)
            budget -= size
            in_prompt += 1
        elif budget >= MIN_PARTIAL + len(CUT_MARK):
            keep = budget - len(CUT_MARK)
            cut = f.diff.encode("utf-8", "surrogateescape")[:keep].decode("utf-8", "ignore")
            cut = cut[: cut.rfind("\n") + 1] or cut
            chosen.append(cut + CUT_MARK)
            budget -= len(cut.encode("utf-8", "surrogateescape")) + len(CUT_MARK)
            in_prompt += 1
            truncated = True
        else:
            truncated = True
    return chosen, in_prompt, truncated


def _files_table(commit: Commit) -> str:
    rows = []
    for f in commit.files[:400]:
        name = f"{f.old_path} -> {f.path}" if f.old_path else f.path
        size = "binary" if f.binary else f"+{f.added}/-{f.deleted}"
        rows.append(f"{f.status:<12} {size:<14} {name}")
    if len(commit.files) > 400:
        rows.append(f"… and {len(commit.files) - 400} more files")
    return "\n".join(rows)

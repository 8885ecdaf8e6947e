"""The evidence a model sees: the commit's diff text within a byte budget, filled by priority, with
excluded files counted but left out, then redacted. Also the coverage record of what made it in."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.model import EvidenceSettings
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
    #: the files whose diff text had a credential-like value withheld ("" for the commit message)
    redacted_paths: tuple[str, ...] = ()


def build_evidence(commit: Commit, settings: EvidenceSettings) -> Evidence:
    """Select diff text by priority within the budget, then redact everything that may leave."""
    chosen, in_prompt, truncated = _fill_budget(commit.files, settings)
    diff_bytes = sum(f.diff_bytes for f in commit.files)
    coverage = Coverage(
        files=len(commit.files),
        files_in_prompt=in_prompt,
        diff_bytes=diff_bytes,
        diff_bytes_in_prompt=sum(len(c.encode("utf-8", "surrogateescape")) for _, c in chosen),
        truncated=truncated,
    )
    message = f"{commit.subject}\n\n{commit.body}".strip()
    table = _files_table(commit)
    if not settings.redact:
        return Evidence(message, table, "".join(c for _, c in chosen), coverage, 0)
    from .redact import redact

    message, in_message = redact(message)
    table, in_table = redact(table)
    where, diffs, in_diffs = [""] * bool(in_message), [], 0
    for path, text in chosen:  # one file at a time, so where a secret was is known
        clean, count = redact(text)
        diffs.append(clean)
        in_diffs += count
        where += [path] * bool(count)
    redactions = in_message + in_table + in_diffs
    return Evidence(message, table, "".join(diffs), coverage, redactions, tuple(dict.fromkeys(where)))


def _fill_budget(files: tuple[FileChange, ...], settings: EvidenceSettings) -> tuple[list[tuple[str, str]], int, bool]:
    """The (path, diff text) pieces that fit, how many files they cover, and whether anything was left out."""
    budget = settings.max_diff_bytes
    chosen: list[tuple[str, str]] = []
    in_prompt = 0
    truncated = False
    for f in sorted(files, key=lambda f: (classify(f.path).priority, f.path)):
        if not f.diff or f.binary:
            continue
        if len(f.diff) > budget and budget < MIN_PARTIAL + len(CUT_MARK):  # cannot fit, excluded or not
            truncated = True
            continue
        if classify(f.path).excluded or matches_any(f.path, settings.exclude):
            truncated = truncated or f.diff_bytes > 0
            continue
        size = f.diff_bytes
        if size <= budget:
            chosen.append((f.path, f.diff))
            budget -= size
            in_prompt += 1
        elif budget >= MIN_PARTIAL + len(CUT_MARK):
            keep = budget - len(CUT_MARK)
            cut = f.diff.encode("utf-8", "surrogateescape")[:keep].decode("utf-8", "ignore")
            cut = cut[: cut.rfind("\n") + 1] or cut
            chosen.append((f.path, cut + CUT_MARK))
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

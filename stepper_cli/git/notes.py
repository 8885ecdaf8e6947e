"""Keep reports in git notes (`refs/notes/stepper` by default) and read them back.

A note is the Markdown report, for `git log --notes=stepper`, followed by one HTML-comment line holding
the result's JSON, so that a clone which fetched the notes ref can rebuild the ReportResult without
generating it again. `<` and `>` inside the JSON are escaped, so the comment cannot be closed early.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from ..errors import GitError
from ..report.markdown import markdown_of
from ..report.model import ReportResult
from ..report.safe_text import clean_data, escape_json
from .commits import Repo, starting_git
from .contents import BlobReader

MARK = "<!-- stepper-report-json: "
END = " -->"
ATTEMPTS = 3  # two processes adding notes at once: one of them finds the notes ref locked


def note_text(result: ReportResult) -> str:
    """The note for a result: its Markdown (safe for a terminal), then its exact JSON on one line inside an
    HTML comment (`git log --notes` shows both, so the JSON escapes what a terminal would act on)."""
    data = escape_json(json.dumps(result.to_json(), ensure_ascii=False, separators=(",", ":")))
    data = data.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"{markdown_of(clean_data(result.to_json())).rstrip()}\n\n{MARK}{data}{END}\n"


def write_note(repo: Repo, result: ReportResult, ref: str = "refs/notes/stepper") -> None:
    """Attach the report to its commit under ref, replacing an older note there."""
    text = note_text(result).encode("utf-8")
    args = ["notes", "--ref", ref, "add", "-f", "-F", "-", "--end-of-options", result.commit]
    for attempt in range(ATTEMPTS):
        proc = _git(repo.root, args, text)
        if proc.returncode == 0:
            return
        if b"lock" not in proc.stderr or attempt == ATTEMPTS - 1:
            break
        time.sleep(0.1 * (attempt + 1))
    last = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    raise GitError(
        f"Cannot write the git note for {result.commit[:12]} to {ref}: {last[-1] if last else 'git failed'}.",
        hint="Check that git can commit here (user.name and user.email are set).",
    )


def read_note(repo: Repo, sha: str, ref: str = "refs/notes/stepper") -> ReportResult | None:
    """The report stored in the commit's note under ref, marked cached; None if there is none (or it is
    not one stepper wrote)."""
    if _surely_absent(repo, ref):
        return None
    proc = _git(repo.root, ["notes", "--ref", ref, "show", "--end-of-options", sha], None)
    if proc.returncode != 0:
        return None
    return _result_of(proc.stdout, sha)


def read_notes(repo: Repo, shas: list[str], ref: str = "refs/notes/stepper") -> dict[str, ReportResult | None]:
    """The reports stored in the notes of many commits (as read_note reads one): `git notes list` and one
    `git cat-file --batch`, two processes for a whole range."""
    found: dict[str, ReportResult | None] = dict.fromkeys(shas)
    if not shas or _surely_absent(repo, ref):
        return found
    listed = _git(repo.root, ["notes", "--ref", ref, "list"], None)
    blobs = {}
    for line in listed.stdout.decode("utf-8", "replace").splitlines() if listed.returncode == 0 else []:
        words = line.split()
        if len(words) == 2 and words[1] in found:
            blobs[words[1]] = words[0]
    if not blobs:
        return found
    reader = BlobReader(repo.root)
    try:
        texts = reader.read(list(blobs.values()))
    finally:
        reader.close()
    for sha, oid in blobs.items():
        if oid in texts:
            found[sha] = _result_of(texts[oid], sha)
    return found


def _result_of(note: bytes, sha: str) -> ReportResult | None:
    """The result held in a note's JSON line, marked cached; None if it holds none for this commit."""
    for line in reversed(note.decode("utf-8", "replace").splitlines()):
        if line.startswith(MARK) and line.endswith(END):
            try:
                data = json.loads(line[len(MARK) : -len(END)])
                result = ReportResult.model_validate(data)
            except ValueError:  # bad JSON, or a result the contract refuses (pydantic's ValidationError is one)
                return None
            return result.model_copy(update={"cached": True}) if result.commit == sha else None
    return None


def _surely_absent(repo: Repo, ref: str) -> bool:
    """Whether the notes ref certainly does not exist, judged from the files under the git dir.

    Spares a `git notes show` per report (a worker runs one per job) in the usual repository with no notes.
    Anything unusual (a reftable repository, an unreadable file) answers False, and git decides.
    """
    full = ref if ref.startswith("refs/notes/") else ("refs/" if ref.startswith("notes/") else "refs/notes/") + ref
    common = repo.common_dir
    try:
        if (common / "reftable").exists() or (common / full).exists():
            return False
        packed = common / "packed-refs"
        return not packed.exists() or f" {full}\n".encode() not in packed.read_bytes()
    except OSError:
        return False


def _git(cwd: Path, args: list[str], stdin: bytes | None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    with starting_git(cwd):
        if stdin is None:
            return subprocess.run(["git", *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, env=env)
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env)

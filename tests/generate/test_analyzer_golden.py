"""Golden reports of real commits: the recent history of two public Conventional Commits projects
(python-semantic-release, semantic-release) and one commit per pattern, rebuilt in a test repository.

tests/fixtures/corpus_commits.json.gz holds the commits (see tests/fixtures/make_corpus_commits.py);
tests/fixtures/corpus_golden.json the reports, read and approved by a person. After an intended change
of the analyzer's wording, rewrite them with `UPDATE_GOLDEN=1 pytest tests/generate/test_analyzer_golden.py`
(the run fails on purpose), read the diff, then rerun without it before committing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stepper_cli.config.settings import EvidenceSettings
from stepper_cli.generate.evidence import build_evidence
from stepper_cli.generate.local.analyzer import analyze
from stepper_cli.generate.local.message import TYPES
from stepper_cli.git.commits import open_repo, read_commit
from stepper_cli.git.contents import CommitContents
from tests.support.corpuskit import load

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOLDEN = FIXTURES / "corpus_golden.json"
_PREFIX = re.compile(rf"^({'|'.join(TYPES)})(\([^)]*\))?!?: \s*")


def _data(text: str) -> bytes:
    raw = text.encode()
    return f"data {len(raw)}\n".encode() + raw + b"\n"


def _commit(ref: str, parent: str | None, message: str, ops: list[bytes]) -> bytes:
    head = f"commit {ref}\ncommitter golden <golden@example.com> 1700000000 +0000\n"
    return head.encode() + _data(message) + (f"from {parent}\n".encode() if parent else b"") + b"".join(ops)


def _modify(path: str, text: str) -> bytes:
    return f'M 100644 inline "{path}"\n'.encode() + _data(text)


def build(root: Path, records: list[dict[str, Any]]) -> None:
    """Every record as a base commit (its files' old text) and two children: the real message, the same
    message with its type prefix taken away (as a commit in a history without conventions would read)."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = []
    for i, r in enumerate(records):
        old = [_modify(f["old_path"] or f["path"], f["old"]) for f in r["files"] if f["old"] is not None]
        stream.append(_commit(f"refs/heads/base/{i}", None, "base", old))
        ops = [f'D "{f["old_path"]}"\n'.encode() for f in r["files"] if f["old_path"]]
        ops += [f'D "{f["path"]}"\n'.encode() if f["new"] is None else _modify(f["path"], f["new"]) for f in r["files"]]
        stream.append(_commit(f"refs/heads/real/{i}", f"refs/heads/base/{i}", r["message"], ops))
        stripped = _PREFIX.sub("", r["message"], count=1)
        stream.append(_commit(f"refs/heads/bare/{i}", f"refs/heads/base/{i}", stripped, ops))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)


def reports(root: Path, count: int, kind: str) -> Iterator[dict[str, Any]]:
    repo = open_repo(root)
    for i in range(count):
        sha = subprocess.run(["git", "rev-parse", f"{kind}/{i}"], cwd=root, capture_output=True, text=True).stdout
        made = read_commit(repo, sha.strip())
        evidence = build_evidence(made, EvidenceSettings())
        yield analyze(made, CommitContents(root, made.sha), evidence).model_dump()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Path]:
    records = load()
    root = tmp_path_factory.mktemp("corpus") / "repo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    os.environ.clear()
    os.environ.update(env, GIT_CONFIG_NOSYSTEM="1", HOME=str(root.parent))
    try:
        build(root, records)
    finally:
        os.environ.clear()
        os.environ.update(env)
    return records, root


def test_reports_of_real_commits_match_the_approved_ones(corpus: tuple[list[dict[str, Any]], Path]) -> None:
    records, root = corpus
    got = {
        r["sha"][:12]: {"subject": r["message"].split("\n", 1)[0], "report": report}
        for r, report in zip(records, reports(root, len(records), "real"), strict=True)
    }
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
        pytest.fail("golden updated: review and rerun")
    assert got == json.loads(GOLDEN.read_text())


def test_the_type_is_found_again_once_the_prefix_is_taken_away(corpus: tuple[list[dict[str, Any]], Path]) -> None:
    records, root = corpus
    found = [report["tags"][0] if report["tags"] else "" for report in reports(root, len(records), "bare")]
    wanted = [_PREFIX.match(r["message"]).group(1) for r in records]  # type: ignore[union-attr]
    pairs = list(zip(wanted, found, strict=True))
    assert sum(w == f for w, f in pairs) >= 0.8 * len(pairs), pairs
    assert sum(f == "chore" and w != "chore" for w, f in pairs) <= 2, pairs  # no type rather than a wrong chore

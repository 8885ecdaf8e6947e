"""The recorded corpus commits (tests/fixtures/corpus_commits.json.gz, written by
tests/fixtures/make_corpus_commits.py): each commit's message and its files' old and new text."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

COMMITS = Path(__file__).parents[1] / "fixtures" / "corpus_commits.json.gz"


def load() -> list[dict[str, Any]]:
    """Every recorded commit, as make_corpus_commits.py wrote it."""
    return json.loads(gzip.decompress(COMMITS.read_bytes()))  # type: ignore[no-any-return]

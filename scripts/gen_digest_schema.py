"""Write docs/digest.schema.json from the digest model (a test fails when it is stale)."""

from __future__ import annotations

import json
from pathlib import Path

from stepper_cli.digest.model import digest_json_schema

TARGET = Path(__file__).resolve().parents[1] / "docs" / "digest.schema.json"


def schema_text() -> str:
    return json.dumps(digest_json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    TARGET.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {TARGET}")

"""Regenerate docs/report.schema.json from the report contract (stepper_cli/report/contract.py).

python scripts/gen_report_schema.py          # rewrite the file
python scripts/gen_report_schema.py --check  # CI / tests: exit 1 if it is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATH = ROOT / "docs" / "report.schema.json"


def schema_text() -> str:
    """The published schema, as the file holds it."""
    sys.path.insert(0, str(ROOT))
    from stepper_cli.report.contract import result_schema

    return json.dumps(result_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = schema_text()
    current = PATH.read_text(encoding="utf-8") if PATH.exists() else None
    if current == text:
        return 0
    if "--check" in argv:
        print("stale docs/report.schema.json; run python scripts/gen_report_schema.py", file=sys.stderr)
        return 1
    PATH.write_text(text, encoding="utf-8")
    print("wrote docs/report.schema.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""README's table of presets and default models is the code's: a retired default is changed in both."""

from __future__ import annotations

import re
from pathlib import Path

from stepper_cli.config.presets import PRESETS

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| ([a-z-]+) \| ([a-z-]+) \| ([^|]+) \| ([^|]+) \|$")


HEADER = "| preset | kind | default model | key variable |"


def readme_presets() -> dict[str, tuple[str, str, str]]:
    lines = README.read_text().splitlines()
    rows = {}
    for line in lines[lines.index(HEADER) + 2 :]:
        if not (m := ROW.match(line)):
            break
        name, kind, model, key = (g.strip() for g in m.groups())
        rows[name] = (kind, "" if model.startswith("(") else model, "" if key == "(none)" else key)
    return rows


def test_the_readme_table_lists_every_preset_with_the_codes_kind_model_and_key() -> None:
    expected = {name: (p["kind"], p["model"], p["api_key_env"]) for name, p in PRESETS.items()}
    assert readme_presets() == expected

"""Make untrusted text safe to show on a terminal: the one sanitiser for text, Markdown and git notes.

A provider's reply (and a repository's name, a job's error, a cached entry) may carry terminal control
sequences: OSC 52 writes the clipboard, OSC 0/2 set the window title, CSI 2J clears the screen, CSI 8m
conceals text, DCS and APC talk to the terminal itself. `clean` removes, in this order:

    ESC-introduced sequences     CSI  ESC [ params intermediates final
                                 OSC  ESC ] ... BEL | ESC \\        DCS/SOS/PM/APC  ESC P|X|^|_ ... ESC \\
                                 the rest: ESC, intermediates, one final byte
    their 8-bit (C1) forms       CSI 0x9b ..., OSC 0x9d ... ST (0x9c) | BEL, DCS 0x90, SOS 0x98, PM 0x9e, APC 0x9f
    every other control          C0 but tab and newline (CR included: it overwrites a line), DEL, C1
    bidirectional overrides      U+202A-U+202E, U+2066-U+2069 (text that reads one way and runs another)

JSON keeps the exact text: `escape_json` turns the characters json.dumps leaves raw with
ensure_ascii=False (C1, bidi overrides, line/paragraph separators) into \\u escapes, which decode to the
same string.
"""

from __future__ import annotations

import re
from typing import Any

_STRING = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)"
_CSI = r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
_OTHER_ESC = r"\x1b[\x20-\x2f]*[\x30-\x7e]?"
_SEQUENCE = re.compile(f"{_STRING}|{_CSI}|{_OTHER_ESC}")
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_JSON_RAW = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029]")


def clean(text: str) -> str:
    """Text without terminal escape sequences, control characters (but tab and newline) or bidi overrides."""
    if text.isprintable():
        return text
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def clean_data(data: Any) -> Any:
    """A copy of JSON-like data with every string (keys included) cleaned."""
    if isinstance(data, str):
        return clean(data)
    if isinstance(data, dict):
        return {clean(k) if isinstance(k, str) else k: clean_data(v) for k, v in data.items()}
    if isinstance(data, list):
        return [clean_data(v) for v in data]
    return data


def escape_json(text: str) -> str:
    """JSON text (from json.dumps) with the raw C1, bidi and separator characters written as \\u escapes."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

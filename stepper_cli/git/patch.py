"""Parse `git diff-tree -z --raw -p` output into changed files, as it streams in.

The output is: an optional commit header (NUL-separated fields, a NUL, a newline), the raw records
(`:<modes> <oids> <status>` NUL path NUL [second path NUL]), an empty record, then one `diff --git`
section per file (two for a type change: file <-> symlink). Line counts are read from each section's
hunks (`\\n+` and `\\n-` after the first `@@`), which is what `--numstat` would print, without making
git diff every file a second time. Sections are parsed while git is still writing the next ones, so a
large commit's parse overlaps git's own work.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Status = Literal["added", "modified", "deleted", "renamed", "copied", "type_changed", "unmerged", "unknown"]
_STATUS: dict[str, Status] = {
    "A": "added", "M": "modified", "D": "deleted", "R": "renamed",
    "C": "copied", "T": "type_changed", "U": "unmerged",
}  # fmt: skip
_STATUS_BYTES: dict[bytes, Status] = {code.encode(): status for code, status in _STATUS.items()}
_MARK = b"\ndiff --git "
_ZERO_OIDS = (b"0" * 40, b"0" * 64)
_COMPACT = 1 << 22  # drop parsed bytes from the buffer past this offset
_BATCH = 1 << 19  # parse once this much new output has come in


class FileChange(NamedTuple):
    """One changed path of a commit, against its first parent."""

    path: str
    status: Status
    old_path: str | None = None
    added: int = 0
    deleted: int = 0
    binary: bool = False
    submodule: bool = False
    diff: str = ""
    #: the blob ids before and after ("" where the file does not exist on that side)
    old_oid: str = ""
    new_oid: str = ""

    @property
    def diff_bytes(self) -> int:
        diff = self.diff
        return len(diff) if diff.isascii() else len(diff.encode("utf-8", "surrogateescape"))  # isascii: O(1)


class _Entry:
    """One file of the raw records, filled in as its patch sections arrive."""

    __slots__ = ("added", "binary", "deleted", "new_oid", "old_oid", "old_path", "parts", "path", "status", "submodule")

    def __init__(
        self, status: Status, path: str, old_path: str | None, submodule: bool, old_oid: str, new_oid: str
    ) -> None:
        self.status, self.path, self.old_path, self.submodule = status, path, old_path, submodule
        self.old_oid, self.new_oid = old_oid, new_oid
        self.added = self.deleted = 0
        self.binary = False
        self.parts: list[str] = []  # the decoded sections (two for a type change)

    def take(self, section: bytes) -> None:
        """Count and decode one section as soon as it is complete, while git writes the next ones."""
        hunks = section.find(b"\n@@")
        if hunks >= 0:
            self.added += section.count(b"\n+", hunks)
            self.deleted += section.count(b"\n-", hunks)
        elif b"\nBinary files " in section or b"\nGIT binary patch" in section:
            self.binary = True
        self.parts.append(section.decode("utf-8", "replace"))


class PatchReader:
    """Feed diff-tree's stdout in chunks; `finish()` returns the commit header fields and the files."""

    def __init__(self, header_fields: int = 0) -> None:
        self._want_header = header_fields
        self.header: list[bytes] = []
        self._buf = bytearray()
        self._pos = 0
        self._phase = "header" if header_fields else "raw"
        self._entries: list[_Entry] = []
        self._section_index = 0
        self._last_header = b""
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def feed(self, chunk: bytes) -> None:
        """Take the next piece of output; parse when enough has come in to be worth a pass."""
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)
        if self._pending_bytes >= _BATCH:
            self._take_pending()
            self._advance(final=False)

    def finish(self) -> list[FileChange]:
        self._take_pending()
        self._advance(final=True)
        return [_file(e) for e in self._entries]

    def _take_pending(self) -> None:
        self._buf += b"".join(self._pending)
        self._pending, self._pending_bytes = [], 0

    def _advance(self, final: bool) -> None:
        if self._phase == "header":
            self._read_header(final)
        if self._phase == "raw":
            self._read_raw(final)
        if self._phase == "patch":
            self._read_sections(final)
        if self._pos > _COMPACT:
            del self._buf[: self._pos]
            self._pos = 0

    def _read_header(self, final: bool) -> None:
        buf = self._buf
        while len(self.header) < self._want_header:
            end = buf.find(b"\x00", self._pos)
            if end < 0:
                if final:  # an empty commit's header may end without its NUL
                    self.header.append(bytes(buf[self._pos :]))
                    self._pos = len(buf)
                return
            self.header.append(bytes(buf[self._pos : end]))
            self._pos = end + 1
        if self._pos < len(buf) and buf[self._pos] == 0x0A:  # the newline after the header
            self._pos += 1
        elif self._pos >= len(buf) and not final:
            return
        self._phase = "raw"

    def _read_raw(self, final: bool) -> None:
        """Parse the raw records once they are all in: git ends them with an empty record (two NULs in a row,
        as a record and a path are never empty), and writes no patch before."""
        buf = self._buf
        if buf.startswith(b"diff --git ", self._pos) or (self._pos >= len(buf) and final):
            self._phase = "patch"
            return
        end = buf.find(b"\x00\x00", self._pos)
        if end < 0 and not final:
            return
        end = len(buf) if end < 0 else end + 1
        tokens = bytes(buf[self._pos : end]).split(b"\x00")
        self._pos, self._phase = end + 1, "patch"
        i, count = 0, len(tokens)
        while i < count:
            meta = tokens[i].split()
            if len(meta) < 5 or not meta[0].startswith(b":"):  # not a raw record (git prints nothing else here)
                i += 1
                continue
            code = meta[4][:1]
            two = code in (b"R", b"C")
            if i + 1 + two >= count:
                break  # a record cut short: only when git itself was
            self._entries.append(_Entry(
                _STATUS_BYTES.get(code, "unknown"), tokens[i + 1 + two].decode("utf-8", "replace"),
                tokens[i + 1].decode("utf-8", "replace") if two else None,
                meta[0] == b":160000" or meta[1] == b"160000", _oid(meta[2]), _oid(meta[3]),
            ))  # fmt: skip
            i += 2 + two

    def _read_sections(self, final: bool) -> None:
        buf = self._buf
        if self._pos < len(buf) and not buf.startswith(b"diff --git ", self._pos):
            found = buf.find(_MARK, self._pos)
            if found < 0:
                if final:
                    self._pos = len(buf)
                return
            self._pos = found + 1
        while self._pos < len(buf):
            following = buf.find(_MARK, self._pos)
            if following < 0 and not final:
                return
            end = len(buf) if following < 0 else following + 1
            self._section(bytes(buf[self._pos : end]))
            self._pos = end

    def _section(self, section: bytes) -> None:
        header = section[: section.find(b"\n") + 1 or len(section)]
        index = self._section_index
        # a type change (symlink <-> file) is printed as two sections with the same header
        if index > 0 and self._entries[index - 1].status == "type_changed" and header == self._last_header:
            self._entries[index - 1].take(section)
            return
        if index < len(self._entries):
            self._entries[index].take(section)
        self._section_index, self._last_header = index + 1, header


def _file(e: _Entry) -> FileChange:
    diff = e.parts[0] if len(e.parts) == 1 else "".join(e.parts)
    return FileChange(
        e.path, e.status, e.old_path, e.added, e.deleted, e.binary, e.submodule, diff, e.old_oid, e.new_oid
    )


def _oid(b: bytes) -> str:
    return "" if b in _ZERO_OIDS else b.decode()

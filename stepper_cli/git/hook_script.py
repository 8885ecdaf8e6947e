"""The shell text of stepper's post-commit block, and the values it records at install time.

Markers delimit the block so that `uninstall` can take out exactly what `install` put in. The values
(STEPPER_HOME, the stepper executable, the interpreter to fall back on, the `[hook]` settings) are
written as shell assignments, because the hook cannot afford to start Python to read config.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from .. import __version__

BEGIN = b"# >>> stepper post-commit hook >>>\n"
END = b"# <<< stepper post-commit hook <<<\n"
CREATED = b"# stepper: created this file\n"
ADDED_NEWLINE = b"# stepper: added a newline after the first line\n"
SHEBANG = b"#!/bin/sh\n"
LOG_NAME = "hook.log"

# Runs in the foreground: shell builtins, one `git rev-parse`, one fork. Everything slow is detached.
_BODY = r"""_stepper_log=$_stepper_home/hook.log
[ ! -L "$_stepper_log" ] || _stepper_log=/dev/null  # never append through a link; 'hook status' names it
_stepper_post_commit() {
  if [ "$_stepper_skip_rebase" = 1 ]; then
    _stepper_gd=$(git rev-parse --git-dir 2>/dev/null) || return 0
    for _stepper_f in rebase-merge rebase-apply sequencer CHERRY_PICK_HEAD REVERT_HEAD MERGE_HEAD; do
      if [ -e "$_stepper_gd/$_stepper_f" ]; then return 0; fi
    done
  fi
  _stepper_sha=$(git rev-parse -q --verify HEAD 2>/dev/null) || return 0
  if [ -x "$_stepper_exe" ]; then set -- "$_stepper_exe"
  elif [ -x "$_stepper_python" ]; then set -- "$_stepper_python" -m stepper_cli
  else set --
  fi
  if [ "$_stepper_mode" = report ] && [ $# -gt 0 ] && [ -x "$_stepper_timeout" ]; then
    ( umask 077; mkdir -p "$_stepper_home" &&
      "$_stepper_timeout" -k 2 "$_stepper_budget" "$@" report "$_stepper_sha" </dev/null 2>>"$_stepper_log"
    ) && return 0
    echo "stepper: no report within ${_stepper_budget}s; queued it instead (see $_stepper_log)" >&2
  fi
  (
    trap '' HUP INT QUIT
    umask 077
    unset GIT_INDEX_FILE GIT_PREFIX GIT_EDITOR
    [ -d "$_stepper_home" ] || mkdir -p "$_stepper_home" || exit 0
    if [ $# -eq 0 ]; then
      _stepper_rc=127
      _stepper_err="stepper not found at $_stepper_exe; run 'stepper hook install' again"
    else
      _stepper_err=$("$@" enqueue --quiet "$_stepper_sha" 2>&1 >/dev/null) && exit 0
      _stepper_rc=$?
    fi
    printf '%s post-commit %s: exit %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$_stepper_sha" \
      "$_stepper_rc" "$(printf '%s' "$_stepper_err" | tr '\n' ' ')" >>"$_stepper_log"
  ) </dev/null >/dev/null 2>&1 &
}
_stepper_post_commit </dev/null || :
unset -f _stepper_post_commit
unset _stepper_home _stepper_exe _stepper_python _stepper_mode _stepper_skip_rebase _stepper_budget \
  _stepper_timeout _stepper_version _stepper_log _stepper_gd _stepper_f _stepper_sha
"""


@dataclass(frozen=True)
class HookValues:
    """What the block records at install time (the hook cannot afford to read config or find Python)."""

    home: str
    exe: str
    python: str
    mode: str = "enqueue"
    skip_rebase: bool = False
    budget: float = 10
    timeout: str = ""
    version: str = __version__

    def render(self) -> bytes:
        """The block's shell text, settings first."""
        values = {
            "home": self.home, "exe": self.exe, "python": self.python, "mode": self.mode,
            "skip_rebase": "1" if self.skip_rebase else "0", "budget": f"{self.budget:g}",
            "timeout": self.timeout, "version": self.version,
        }  # fmt: skip
        lines = [f"_stepper_{k}={shlex.quote(v)}" for k, v in values.items()]
        lines.insert(1, '[ -z "${STEPPER_HOME:-}" ] || _stepper_home=$STEPPER_HOME')
        head = "# Queues this commit for a stepper report in the background; never fails the commit.\n"
        return (head + "\n".join(lines) + "\n" + _BODY).encode("utf-8", "surrogateescape")


def recorded(block: bytes) -> dict[str, str]:
    """The values a block records, unquoted (a hand-edited value that is not valid shell stays as written)."""
    values = {}
    for line in block.decode("utf-8", "surrogateescape").splitlines():
        m = re.fullmatch(r"_stepper_(home|exe|python|mode|skip_rebase|budget|timeout|version)=(.*)", line)
        if m:
            values[m.group(1)] = _unquote(m.group(2))
    return values


def _unquote(text: str) -> str:
    try:
        return " ".join(shlex.split(text))
    except ValueError:  # an unclosed quote: a value with a line break, written by an older stepper
        return text

"""The shell text of stepper's hook blocks (post-commit and post-rewrite), and the values they record.

Markers delimit each block so that `uninstall` can take out exactly what `install` put in. The values
(STEPPER_HOME, the stepper executable, the interpreter to fall back on, the `[hook]` settings) are
written as shell assignments, because a hook cannot afford to start Python to read config.

post-commit queues the new commit. During a rebase (with `hook.skip_during_rebase`, the default) it does
nothing at all, not even a git process: post-rewrite queues every rewritten commit at the end, in one
process. During another sequence (cherry-pick, revert) it notes the commit in `$GIT_DIR/stepper-pending`,
which the next queueing hook takes along. The queueing process is detached, at low CPU and I/O priority.
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
HOOKS = ("post-commit", "post-rewrite")
PENDING = "stepper-pending"  # in the git dir: commits noted during a cherry-pick or revert sequence


def markers(name: str) -> tuple[bytes, bytes]:
    """The BEGIN and END lines of stepper's block in the hook `name`."""
    return f"# >>> stepper {name} hook >>>\n".encode(), f"# <<< stepper {name} hook <<<\n".encode()


# Both hooks: find the git dir and the new commit without a process where the files allow (git sets
# GIT_INDEX_FILE for commit hooks; HEAD and a loose branch ref are read with `read`; anything else, such as
# a packed or reftable ref, asks `git rev-parse`), and queue revisions (arguments, plus any noted ones) in
# one detached, low-priority `stepper enqueue --stdin`.
_COMMON = r"""_stepper_log=$_stepper_home/hook.log
[ ! -L "$_stepper_log" ] || _stepper_log=/dev/null  # never append through a link; 'hook status' names it
_stepper_git_dir() {
  _stepper_gd=${GIT_DIR:-}
  if [ -z "$_stepper_gd" ]; then
    case ${GIT_INDEX_FILE:-} in */*) _stepper_gd=${GIT_INDEX_FILE%/*} ;; esac
  fi
  [ -n "$_stepper_gd" ] && [ -d "$_stepper_gd" ] || _stepper_gd=$(git rev-parse --git-dir 2>/dev/null)
}
_stepper_head() {
  _stepper_sha=
  if read -r _stepper_ref 2>/dev/null <"$_stepper_gd/HEAD"; then
    case $_stepper_ref in
      "ref: refs/heads/"*)
        _stepper_cd=$_stepper_gd
        if [ -f "$_stepper_gd/commondir" ] && read -r _stepper_cd 2>/dev/null <"$_stepper_gd/commondir"; then
          case $_stepper_cd in /*) ;; *) _stepper_cd=$_stepper_gd/$_stepper_cd ;; esac
        fi
        read -r _stepper_sha 2>/dev/null <"$_stepper_cd/${_stepper_ref#ref: }" || _stepper_sha= ;;
      *) _stepper_sha=$_stepper_ref ;;
    esac
  fi
  case ${#_stepper_sha}:$_stepper_sha in
    40:*[!0-9a-f]*|64:*[!0-9a-f]*) _stepper_sha= ;;
    40:*|64:*) return 0 ;;
  esac
  _stepper_sha=$(git rev-parse -q --verify HEAD 2>/dev/null)
}
_stepper_queue() {
  (
    trap '' HUP INT QUIT
    umask 077
    unset GIT_INDEX_FILE GIT_PREFIX GIT_EDITOR
    [ -d "$_stepper_home" ] || mkdir -p "$_stepper_home" || exit 0
    _stepper_revs=$(printf '%s\n' "$@")
    _stepper_p=$_stepper_gd/stepper-pending
    if [ -f "$_stepper_p" ] && mv -f "$_stepper_p" "$_stepper_p.$$" 2>/dev/null; then
      _stepper_revs=$(cat "$_stepper_p.$$"; printf '%s\n' "$_stepper_revs"); rm -f "$_stepper_p.$$"
    fi
    if [ -x "$_stepper_exe" ]; then set -- "$_stepper_exe"
    elif [ -x "$_stepper_python" ]; then set -- "$_stepper_python" -m stepper_cli
    else
      printf '%s %s %s: exit 127: stepper not found at %s; run '\''stepper hook install'\'' again\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$_stepper_hook" "$(echo $_stepper_revs)" "$_stepper_exe" >>"$_stepper_log"
      exit 0
    fi
    if command -v nice >/dev/null 2>&1; then set -- nice -n 19 "$@"; fi
    if command -v ionice >/dev/null 2>&1; then set -- ionice -t -c 3 "$@"; fi
    _stepper_err=$(printf '%s\n' "$_stepper_revs" | "$@" enqueue --quiet --stdin 2>&1 >/dev/null) && exit 0
    _stepper_rc=$?
    printf '%s %s %s: exit %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$_stepper_hook" "$(echo $_stepper_revs)" \
      "$_stepper_rc" "$(printf '%s' "$_stepper_err" | tr '\n' ' ')" >>"$_stepper_log"
  ) </dev/null >/dev/null 2>&1 &
}
"""

_CLEANUP = r"""unset -f _stepper_git_dir _stepper_head _stepper_queue _stepper_main
unset _stepper_home _stepper_exe _stepper_python _stepper_mode _stepper_skip_rebase _stepper_budget \
  _stepper_timeout _stepper_version _stepper_log _stepper_gd _stepper_f _stepper_sha _stepper_hook \
  _stepper_in _stepper_line _stepper_old _stepper_new _stepper_rest _stepper_ref _stepper_cd
"""

# Runs in the foreground: shell builtins (a git process only where the files do not tell), one fork.
_POST_COMMIT = r"""_stepper_hook=post-commit
_stepper_main() {
  _stepper_git_dir || return 0
  if [ "$_stepper_skip_rebase" = 1 ] && { [ -d "$_stepper_gd/rebase-merge" ] || [ -d "$_stepper_gd/rebase-apply" ]; }
  then return 0  # post-rewrite queues the rebased commits, all at once
  fi
  _stepper_head || return 0
  if [ "$_stepper_skip_rebase" = 1 ]; then
    for _stepper_f in sequencer CHERRY_PICK_HEAD REVERT_HEAD MERGE_HEAD; do
      if [ -e "$_stepper_gd/$_stepper_f" ]; then  # noted; the next queueing hook takes it along
        (umask 077; printf '%s\n' "$_stepper_sha" >>"$_stepper_gd/stepper-pending") 2>/dev/null
        return 0
      fi
    done
  fi
  if [ "$_stepper_mode" = report ] && [ -x "$_stepper_timeout" ]; then
    if [ -x "$_stepper_exe" ]; then set -- "$_stepper_exe"
    elif [ -x "$_stepper_python" ]; then set -- "$_stepper_python" -m stepper_cli
    fi
    if [ $# -gt 0 ]; then
      ( umask 077; mkdir -p "$_stepper_home" &&
        "$_stepper_timeout" -k 2 "$_stepper_budget" "$@" report "$_stepper_sha" </dev/null 2>>"$_stepper_log"
      ) && return 0
      echo "stepper: no report within ${_stepper_budget}s; queued it instead (see $_stepper_log)" >&2
    fi
  fi
  _stepper_queue "$_stepper_sha"
}
_stepper_main </dev/null || :
"""

# git gives post-rewrite "amend" or "rebase" and, on stdin, "<old> <new> [extra]" per rewritten commit. The
# lines are read with builtins and handed back on stdin to the rest of the hook (a chained hook reads them too).
_POST_REWRITE = r"""_stepper_hook=post-rewrite
_stepper_in=
while IFS= read -r _stepper_line || [ -n "$_stepper_line" ]; do
  _stepper_in="$_stepper_in$_stepper_line
"
done
_stepper_main() {
  [ "$1" = rebase ] && [ "$_stepper_skip_rebase" = 1 ] || return 0  # else post-commit queued them
  set --
  while read -r _stepper_old _stepper_new _stepper_rest; do
    [ -z "$_stepper_new" ] || set -- "$@" "$_stepper_new"
  done <<_STEPPER_REWRITTEN_
$_stepper_in
_STEPPER_REWRITTEN_
  [ $# -gt 0 ] || return 0
  _stepper_git_dir || return 0
  _stepper_queue "$@"
}
_stepper_main "${1:-}" || :
if [ -n "$_stepper_in" ]; then
exec 0<<_STEPPER_REWRITTEN_
${_stepper_in%?}
_STEPPER_REWRITTEN_
else exec 0</dev/null
fi
"""

_BODIES = {"post-commit": _POST_COMMIT, "post-rewrite": _POST_REWRITE}
_HEADS = {
    "post-commit": "# Queues this commit for a stepper report in the background; never fails the commit.\n",
    "post-rewrite": "# Queues the commits a rebase rewrote for stepper reports, in the background, all at once.\n",
}


@dataclass(frozen=True)
class HookValues:
    """What a block records at install time (a hook cannot afford to read config or find Python)."""

    home: str
    exe: str
    python: str
    mode: str = "enqueue"
    skip_rebase: bool = True
    budget: float = 10
    timeout: str = ""
    version: str = __version__

    def render(self, name: str = "post-commit") -> bytes:
        """The shell text of the block for the hook `name`, settings first."""
        values = {
            "home": self.home, "exe": self.exe, "python": self.python, "mode": self.mode,
            "skip_rebase": "1" if self.skip_rebase else "0", "budget": f"{self.budget:g}",
            "timeout": self.timeout, "version": self.version,
        }  # fmt: skip
        lines = [f"_stepper_{k}={shlex.quote(v)}" for k, v in values.items()]
        lines.insert(1, '[ -z "${STEPPER_HOME:-}" ] || _stepper_home=$STEPPER_HOME')
        text = _HEADS[name] + "\n".join(lines) + "\n" + _COMMON + _BODIES[name] + _CLEANUP
        return text.encode("utf-8", "surrogateescape")


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

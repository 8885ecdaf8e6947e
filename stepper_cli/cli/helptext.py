"""Help text shared by the commands: examples under each command's help, and the exit codes.

Click rewraps help paragraphs; a paragraph that starts with a \\b line is printed as written, which keeps
one example per line at any terminal width.
"""

from __future__ import annotations

EXIT_CODES = (
    (0, "success (a fallback report is a success)"),
    (1, "unexpected internal error (a bug)"),
    (2, "usage error (bad flag or argument, an --output that cannot be written)"),
    (3, "git error: not a repository, unknown revision, git missing"),
    (4, "configuration error"),
    (5, "no model report (--no-fallback or --fail-on-fallback)"),
    (6, "job failed, unknown job id, or status --wait timed out"),
    (7, "storage error: queue or cache unreadable or locked"),
)


def examples(*lines: str) -> str:
    """An epilog of example command lines, printed one per line."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def root_epilog() -> str:
    """The epilog of `stepper --help`: a few examples, then the exit codes."""
    codes = "\b\nExit codes:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES)
    return examples("stepper report", "stepper report main..HEAD --format markdown", "stepper hook install") + (
        "\n\n" + codes
    )

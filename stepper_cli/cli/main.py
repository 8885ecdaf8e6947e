"""Entry point: the lean entry (cli/lean/dispatch.py), else the Typer app; every error becomes its exit code here
(the one place that does)."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from ..errors import StepperError


def run(argv: list[str] | None = None) -> NoReturn:
    """Run stepper with argv and exit with the contract's code."""
    args = sys.argv[1:] if argv is None else argv
    # stepper uses no pydantic plugin; looking for them scans every installed package's metadata (~40 ms a run)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    debug = "--debug" in args or os.environ.get("STEPPER_DEBUG") == "1"
    sys.exit(_run(args, debug))


def _run(args: list[str], debug: bool) -> int:
    try:
        from .lean.dispatch import dispatch  # Typer-free: help, completion, report, enqueue

        code = dispatch(args)
        if code is not None:
            return code
        from .app import build_app

        result = build_app()(args=args, prog_name="stepper", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except StepperError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        _print_error(exc.message, exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        _print_error("Interrupted.", "")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        code = _click_exit(exc)
        if code is not None:
            return code
        raise


def _click_exit(exc: Exception) -> int | None:
    """Typer's (vendored click's) usage errors, aborts and exits, by duck type."""
    name = type(exc).__name__
    if name == "Exit":
        return int(getattr(exc, "exit_code", 0))
    if name == "Abort":
        _print_error("Aborted.", "")
        return 1
    if hasattr(exc, "show") and hasattr(exc, "exit_code"):
        exc.show()
        return int(exc.exit_code)
    return None


def _print_error(message: str, hint: str) -> None:
    text = f"stepper: {message}" + (f"\n{hint}" if hint else "")
    print(text, file=sys.stderr)

"""Every error stepper raises on purpose, each carrying its exit code and a next step.

    StepperError                      exit 1 (a bug if it escapes untyped)
    ├── UsageError                    exit 2
    ├── GitError                      exit 3
    ├── ConfigError                   exit 4
    ├── NoReportError                 exit 5
    ├── JobError                      exit 6
    ├── StorageError                  exit 7
    │   └── ForeignEntry              an entry stepper cannot read (cache clear deletes it)
    └── ProviderError                 exit 5 (normally absorbed by the chain)
        ├── ProviderTimeout           kind "timeout"
        ├── ProviderUnavailable       kind "unavailable"
        ├── RateLimited               kind "rate_limited" (retry_after seconds)
        ├── AuthFailed                kind "auth"
        ├── BadRequest                kind "bad_request"
        │   ├── Unsupported           a parameter or format the model does not take (`feature`)
        │   └── ModelNotFound         kind "model_not_found": the model is not served (retired, a typo)
        ├── InvalidResponse           kind "invalid_response"
        │   └── NoAnswer              an answer with no text to use (tool calls); not retried
        ├── Refused                   kind "refused": a refusal, content filter or safety block
        ├── Truncated                 kind "truncated": the output budget ran out
        ├── CircuitOpen               kind "circuit_open"
        └── MissingKey                kind "no_key"

The CLI maps these to exit codes in one place (`cli.main`); nothing else calls sys.exit.
"""

from __future__ import annotations


class StepperError(Exception):
    """Root of stepper's own errors."""

    exit_code: int = 1
    default_hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = self.default_hint if hint is None else hint

    def __str__(self) -> str:
        return self.message


class UsageError(StepperError):
    exit_code = 2
    default_hint = "Run the command with --help to see its arguments."


class GitError(StepperError):
    exit_code = 3


class ConfigError(StepperError):
    exit_code = 4
    default_hint = "Fix the value, or run 'stepper config show' to see where each setting comes from."

    def __init__(
        self, reason: str, *, file: str | None = None, key: str | None = None, hint: str | None = None
    ) -> None:
        where = ", ".join(p for p in (file and f"in {file}", key and f"key '{key}'") if p)
        super().__init__(f"Invalid configuration{' ' + where if where else ''}: {reason}", hint=hint)
        self.file, self.key, self.reason = file, key, reason


class NoReportError(StepperError):
    exit_code = 5
    default_hint = "Check 'stepper providers list', or drop --no-fallback to accept the local report."


class JobError(StepperError):
    exit_code = 6


class StorageError(StepperError):
    exit_code = 7
    default_hint = "If the file is corrupt, 'stepper cache clear' starts the cache afresh."


class ForeignEntry(StorageError):
    """An entry of the store that stepper cannot read; `stepper cache clear` deletes it by `key`."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


class ProviderError(StepperError):
    """A provider did not give a report; `kind` is the attempt's error in the JSON result."""

    exit_code = 5
    kind: str = "unavailable"
    retryable: bool = True

    def __init__(self, message: str, *, retry_after: float | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.detail = detail


class ProviderTimeout(ProviderError):
    kind = "timeout"


class ProviderUnavailable(ProviderError):
    kind = "unavailable"


class RateLimited(ProviderError):
    kind = "rate_limited"


class AuthFailed(ProviderError):
    kind = "auth"
    retryable = False


class BadRequest(ProviderError):
    kind = "bad_request"
    retryable = False


class Unsupported(BadRequest):
    """The model does not take one feature of the request (`feature`: see providers.shape.LADDERS)."""

    def __init__(self, message: str, feature: str, *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.feature = feature


class ModelNotFound(BadRequest):
    kind = "model_not_found"


class InvalidResponse(ProviderError):
    kind = "invalid_response"


class NoAnswer(InvalidResponse):
    retryable = False


class Refused(ProviderError):
    """The model declined to answer; asking it again would only be declined again."""

    kind = "refused"
    retryable = False


class Truncated(ProviderError):
    """The reply stopped at its output budget; the chain asks once more with a larger one."""

    kind = "truncated"
    retryable = False


class CircuitOpen(ProviderError):
    kind = "circuit_open"
    retryable = False


class MissingKey(ProviderError):
    kind = "no_key"
    retryable = False

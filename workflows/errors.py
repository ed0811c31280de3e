"""Domain errors raised by the engine and services; api/errors.py maps them to HTTP once."""

from collections.abc import Sequence
from typing import Any

from states.guards import Verdict


class JiefenError(Exception):
    """Base class; `detail` is what a client reads (Chinese where staff read it)."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotVisible(JiefenError):
    """The case does not exist, or the caller may not see it (both are 404)."""


class UnknownTrigger(JiefenError):
    pass


class Forbidden(JiefenError):
    """The caller's role may not do this (403)."""


class StaleVersion(JiefenError):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"案件已被他人修改：请求的版本为 {expected}，当前版本为 {actual}", expected=expected, actual=actual
        )


class IllegalTransition(JiefenError):
    def __init__(self, detail: str, allowed: Sequence[str]) -> None:
        super().__init__(detail, allowed=list(allowed))


class GuardRefused(JiefenError):
    def __init__(self, verdicts: Sequence[Verdict], allowed: Sequence[str]) -> None:
        failed = [v for v in verdicts if not v.ok]
        detail = "；".join(v.reason for v in failed)
        super().__init__(
            detail,
            allowed=list(allowed),
            rules=[{"rule": v.rule, "reason": v.reason, "basis": v.basis} for v in failed],
        )
        self.verdicts = failed


class PayloadInvalid(JiefenError):
    """A payload that parses but does not fit the case or the data (unknown code, index out of range)."""

    def __init__(self, field: str | Sequence[str | int], msg: str) -> None:
        loc = [field] if isinstance(field, str) else list(field)
        super().__init__(msg, loc=loc)
        self.loc = loc
        self.msg = msg


class Conflict(JiefenError):
    """The change clashes with what is stored (a code already used, a row still referred to) (409)."""


class ValidationFailed(JiefenError):
    """Schema validation errors, already scrubbed of the values given."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("请求数据不符合要求", errors=errors)
        self.errors = errors


class DocumentNotReady(JiefenError):
    """The document is registered but its PDF is not rendered yet, or rendering failed (409)."""


class ClockOutOfRange(JiefenError):
    """A clock counted from a date runs past the calendar the engine can count in (422): the date it starts
    from is out of any sensible range. Never a 500."""


class UnknownAccount(JiefenError):
    """No user has this username (404)."""


class TooManyAttempts(JiefenError):
    """Too many wrong passwords for the username or from the address: refused before the password is
    checked, until the counting window ends (429 with Retry-After)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"登录尝试过多，请 {retry_after} 秒后再试")
        self.retry_after = retry_after

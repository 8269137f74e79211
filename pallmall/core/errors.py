"""The typed errors every pallmall package raises.

The API maps each class to an RFC 9457 problem document; the CLI prints its message.
"""

from __future__ import annotations


class PallmallError(Exception):
    """Base of every error pallmall raises on purpose."""

    status = 500
    title = "Internal error"


class InvalidInput(PallmallError):
    """Bad input: names the field (a dotted path, or a file position) and the reason."""

    status = 422
    title = "Invalid input"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(PallmallError):
    """The thing asked for does not exist (or the caller may not know it does)."""

    status = 404
    title = "Not found"


class Gone(NotFound):
    """The thing existed and is deliberately no longer served (a withheld log entry)."""

    status = 410
    title = "Gone"


class Forbidden(PallmallError):
    """The caller is known but its role does not allow the action."""

    status = 403
    title = "Forbidden"


class Unauthenticated(PallmallError):
    """The action needs a signed-in caller."""

    status = 401
    title = "Authentication required"


class Conflict(PallmallError):
    """The request clashes with the current state (a duplicate, a stale version)."""

    status = 409
    title = "Conflict"


class RetryLater(PallmallError):
    """Refused for now; ``retry_after`` says in how many seconds to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class TooManyRequests(RetryLater):
    """Too many attempts (sign-in throttling): HTTP 429 with ``Retry-After``."""

    status = 429
    title = "Too many requests"


class Unavailable(RetryLater):
    """The node cannot serve this now (busy workers, a full or read-only disk): HTTP 503."""

    status = 503
    title = "Service unavailable"


class TransitionRefused(Conflict):
    """A status change that the transition table does not allow."""

    title = "Transition refused"

    def __init__(self, kind: str, current: str, verb: str) -> None:
        super().__init__(f"{kind} in status {current!r} cannot {verb!r}")
        self.kind = kind
        self.current = current
        self.verb = verb


class VerificationError(PallmallError):
    """A proof, signature or commitment did not verify. Verifiers raise it; never return False."""

    status = 422
    title = "Verification failed"

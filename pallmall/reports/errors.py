"""The typed errors of ``pallmall.reports``."""

from __future__ import annotations

from pallmall.core.errors import VerificationError


class ReportMismatch(VerificationError):
    """A report does not match the log it names: a figure, the checkpoint or the digest.

    ``differences`` lists each figure that differs as ``(path, in the report, from the log)``.
    """

    title = "Report does not match the log"

    def __init__(self, message: str, differences: tuple[tuple[str, object, object], ...] = ()):
        super().__init__(message)
        self.differences = differences

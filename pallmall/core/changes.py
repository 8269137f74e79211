"""Public changes: what the transparency log receives (DESIGN.md: every public change is logged)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class PublicChange:
    """A state change the public may see.

    ``kind`` names what changed (``registry.organisation.updated``), ``subject`` the record id,
    ``public`` the fields anyone may read and ``confidential`` the fields only committed to.
    """

    kind: str
    subject: str
    at: datetime
    public: Mapping[str, Any] = field(default_factory=dict)
    confidential: Mapping[str, Any] = field(default_factory=dict)


class ChangeOutbox(Protocol):
    """Where public changes wait for the log, in the same transaction as the change itself."""

    def add(self, change: PublicChange) -> None:
        """Record ``change``; the log sequencer picks it up after commit."""

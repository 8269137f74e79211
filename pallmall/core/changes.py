"""Public changes: what the transparency log receives (DESIGN.md: every public change is logged)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pallmall.core.ids import new_id


def new_change_id() -> str:
    """A fresh id for a public change (``chg-`` and 32 random hex digits)."""
    return new_id("chg")


@dataclass(frozen=True)
class PublicChange:
    """A state change the public may see.

    ``kind`` names what changed (``registry.organisation.updated``), ``subject`` the record id,
    ``public`` the fields anyone may read and ``confidential`` the fields only committed to.
    ``id`` identifies the change itself: its log entry carries it, so a change appended twice
    (a crash between the log and the database) is recognised, and counted, as one.
    """

    kind: str
    subject: str
    at: datetime
    public: Mapping[str, Any] = field(default_factory=dict)
    confidential: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_change_id)


class ChangeOutbox(Protocol):
    """Where public changes wait for the log, in the same transaction as the change itself."""

    def add(self, change: PublicChange) -> None:
        """Record ``change``; the log sequencer picks it up after commit."""

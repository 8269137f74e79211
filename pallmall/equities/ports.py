"""What the equities register needs from storage, as small Protocols (``storage`` provides
them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pallmall.core.paging import Page, PageRequest
from pallmall.equities.model import Vulnerability, VulnerabilityEvent, VulnerabilityQuery


@dataclass(frozen=True)
class LoggedCommitment:
    """A decision commitment of one vulnerability as the outbox holds it: where it went in
    the log (``index`` None while it waits for the publisher), its leaf hash (base64) and the
    private disclosure of its ``decision`` field (``salt`` base64, ``value``)."""

    index: int | None
    leaf_hash: str | None
    salt: str | None
    value: Any


class EquitiesStore(Protocol):
    """Vulnerabilities and their append-only history."""

    def add(self, vulnerability: Vulnerability) -> None:
        """Insert a new vulnerability."""

    def get(self, vulnerability_id: str) -> Vulnerability | None:
        """The vulnerability, or None."""

    def save(self, vulnerability: Vulnerability, expected_version: int) -> None:
        """Replace the stored row if its version is still ``expected_version``.

        Raises:
            Conflict: someone saved it in between.
        """

    def search(
        self, query: VulnerabilityQuery, states: frozenset[str] | None, page: PageRequest
    ) -> Page[Vulnerability]:
        """Vulnerabilities matching ``query`` of ``states`` (None: every state), soonest
        review first, then newest."""

    def append_event(self, vulnerability_id: str, event: VulnerabilityEvent) -> None:
        """Append a history entry (never edited)."""

    def events(self, vulnerability_id: str) -> Sequence[VulnerabilityEvent]:
        """The history, oldest first."""

    def commitments(self, vulnerability_id: str) -> Sequence[LoggedCommitment]:
        """The vulnerability's decision commitments, in the order they were made."""

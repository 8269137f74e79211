"""A signed transparency log on disk holding entries of every kind a report counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pallmall.log import TransparencyLog, generate_signer, make_entry

ORIGIN = "reports.test/log"


@dataclass
class LogFixture:
    """A log folder (``public``) and its vkey."""

    tlog: TransparencyLog
    public: Path
    vkey: str

    def append(self, entries: Sequence[tuple[str, str, dict[str, Any], str]]) -> None:
        """Append (kind, subject, public, time) entries and sign a new checkpoint."""
        data = [make_entry(k, s, p, {"end_user": "x"}, time=t)[0] for k, s, p, t in entries]
        self.tlog.append(data)
        self.tlog.integrate()


ENTRIES: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "registry.organisation.created",
        "org-a",
        {
            "type": "organisation",
            "name": "A",
            "designations": [
                {
                    "authority": "US Commerce BIS Entity List",
                    "listed_on": "2026-02-01",
                    "delisted_on": None,
                }
            ],
        },
        "2026-01-05T10:00:00Z",
    ),
    ("registry.product.created", "prd-a", {"type": "product", "name": "P"}, "2026-01-06T10:00:00Z"),
    (
        "cases.licence.application.submitted",
        "case-1",
        {"destination": "AE", "product_category": "device_intrusion"},
        "2026-02-01T10:00:00Z",
    ),
    (
        "cases.licence.decision.denied",
        "case-1",
        {"destination": "AE", "product_category": "device_intrusion", "grounds": ["C3"]},
        "2026-02-10T10:00:00Z",
    ),
    (
        "cases.licence.decision",
        "case-2",
        {
            "destination": "FR",
            "outcome": "approved",
            "capabilities": ["exploit_chain", "zero_click_delivery"],
            "conditions": ["no re-export"],
        },
        "2026-03-01T10:00:00Z",
    ),
    (
        "cases.licence.decision.revoked",
        "case-2",
        {"destination": "FR", "capabilities": ["exploit_chain"]},
        "2026-05-01T10:00:00Z",
    ),
    (
        "cases.licence.decision.approved",
        "case-3",
        {"destination": "DE", "state": "FR"},
        "2026-03-02T10:00:00Z",
    ),  # another state's entry: not in GB's report
    (
        "intel.incident.confirmed",
        "inc-1",
        {
            "incident": "inc-1",
            "categories": ["rights_violation", "unlawful_privacy_interference"],
            "victims": {"journalist": 2},
        },
        "2026-04-01T10:00:00Z",
    ),
    ("cases.restriction.decision.restricted", "rst-1", {"vendor": "org-a"}, "2026-04-02T10:00:00Z"),
    (
        "registry.organisation.updated",
        "org-b",
        {"type": "organisation", "name": "B"},
        "2025-12-31T23:59:59Z",
    ),  # before the period
]


@pytest.fixture
def test_log(tmp_path: Path) -> LogFixture:
    """A log with :data:`ENTRIES` (and one entry another tool wrote)."""
    tlog = TransparencyLog.open(tmp_path / "log", generate_signer(ORIGIN))
    tlog.ensure_checkpoint()
    log = LogFixture(tlog, tmp_path / "log" / "public", tlog.vkey)
    log.append(ENTRIES)
    tlog.append([b"not a pallmall entry"])
    tlog.integrate()
    return log

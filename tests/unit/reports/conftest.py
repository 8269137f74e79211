"""A signed transparency log on disk holding entries of every kind a report counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pallmall.log import TransparencyLog, generate_signer, make_entry

ORIGIN = "reports.test/log"


Row = tuple[str, str, dict[str, Any], str, str | None]
"""(kind, subject, public, time, change id)."""


@dataclass
class LogFixture:
    """A log folder (``public``) and its vkey."""

    tlog: TransparencyLog
    public: Path
    vkey: str

    def append(self, entries: Sequence[Row]) -> None:
        """Append entries and sign a new checkpoint."""
        data = [
            make_entry(k, s, p, {"details": "x"}, time=t, change=c)[0] for k, s, p, t, c in entries
        ]
        self.tlog.append(data)
        self.tlog.integrate()


def gb(outcome: str, **more: Any) -> dict[str, Any]:
    """The public part of a decision of the GB authority."""
    return {"case_kind": "x", "authority": "GB authority", "state": "GB", "outcome": outcome} | more


LICENCE_DENIED = gb("deny", destination="AE", product_category="device_intrusion")
LICENCE_GRANTED = gb("approve_with_conditions", destination="FR", product_category="exploit")
ENTRIES: list[Row] = [
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
        "chg-0",
    ),
    ("registry.product.created", "prd-a", {"name": "P"}, "2026-01-06T10:00:00Z", "chg-1"),
    ("cases.licence.decided", "case-1", LICENCE_DENIED, "2026-02-10T10:00:00Z", "chg-2"),
    ("cases.licence.decided", "case-2", LICENCE_GRANTED, "2026-03-01T10:00:00Z", "chg-3"),
    # the same change appended again (a crash between the log and the database)
    ("cases.licence.decided", "case-2", LICENCE_GRANTED, "2026-03-01T10:00:00Z", "chg-3"),
    (
        "cases.licence.revoked",
        "case-2",
        gb("revoked", destination="FR", product_category="exploit"),
        "2026-05-01T10:00:00Z",
        "chg-5",
    ),
    (
        "cases.licence.decided",
        "case-3",
        {**gb("approve_with_conditions", destination="DE"), "state": "FR"},
        "2026-03-02T10:00:00Z",
        "chg-6",
    ),  # another state's decision: not in GB's report
    (
        "intel.incident.confirmed",
        "inc-1",
        {
            "incident": "inc-1",
            "categories": ["rights_violation", "unlawful_privacy_interference"],
            "victims": {"journalist": 2},
        },
        "2026-04-01T10:00:00Z",
        "chg-7",
    ),
    ("cases.restriction.decided", "rst-1", gb("restrict"), "2026-04-02T10:00:00Z", "chg-8"),
    (
        "registry.organisation.updated",
        "org-b",
        {"type": "organisation", "name": "B"},
        "2025-12-31T23:59:59Z",
        "chg-9",
    ),  # before the period
    (
        "cases.licence.appeal_dismissed",
        "case-1",
        gb("denied", appeal=True),
        "2026-04-10T10:00:00Z",
        "chg-10",
    ),
    (
        "cases.restriction.lifted",
        "rst-1",
        gb("lifted", appeal=True),
        "2026-06-01T10:00:00Z",
        "chg-11",
    ),
    ("cases.procurement.assessed", "prc-1", gb("no_go"), "2026-06-02T10:00:00Z", "chg-12"),
    (
        "cases.use_authorisation.signed_off",
        "ua-1",
        gb("authorised"),
        "2026-06-03T10:00:00Z",
        "chg-13",
    ),
    (
        "cases.licence.decided",
        "case-4",
        {"case_kind": "licence", "outcome": "deny"},
        "2026-06-04T10:00:00Z",
        None,
    ),  # names no state (written before states were recorded): nobody's
]
SIZE = len(ENTRIES) + 1  # and one entry another tool wrote


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

"""Openings checked against their commitments, and the report's equities figures, on entries
built exactly as the publisher builds them."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest

from pallmall.equities import verify_opening
from pallmall.log import CommitmentError, make_entry, parse_entry
from pallmall.reports.equities import equities_figures

COMMITTED = "equities.decision.committed"
OPENED = "equities.decision.opened"


def decision(
    outcome: str, time: str, subject: str = "vul-1", review: str = ""
) -> tuple[bytes, Any]:
    public = {"state": "GB", "outcome": outcome, "review_on": review}
    value = {"outcome": outcome, "rationale": f"because {outcome}"}
    return make_entry(COMMITTED, subject, public, {"decision": value, "deciders": {}}, time)


def opening(items: list[tuple[int, bytes, Any]], subject: str = "vul-1", **change: Any) -> bytes:
    openings = []
    for index, _data, disclosure in items:
        field = disclosure.fields["decision"]
        value = change.get("value", field.value)
        openings.append(
            {
                "index": index,
                "leaf_hash": base64.b64encode(disclosure.leaf_hash).decode(),
                "decision": {"salt": base64.b64encode(field.salt).decode(), "value": value},
            }
        )
    data, _ = make_entry(
        OPENED, subject, {"state": "GB", "openings": openings}, None, "2026-06-01T00:00:00Z"
    )
    return data


def test_an_opening_reveals_the_decisions_committed_before_it() -> None:
    log = [
        decision("restrict", "2026-01-01T00:00:00Z", review="2026-04-01"),
        decision("disclose", "2026-05-01T00:00:00Z"),
    ]
    entries = [d for d, _ in log]
    entries.append(opening([(0, *log[0]), (1, *log[1])]))
    found = verify_opening(parse_entry(entries[2]), 2, entries.__getitem__)
    assert [(d.index, d.outcome, d.time) for d in found] == [
        (0, "restrict", "2026-01-01T00:00:00Z"),
        (1, "disclose", "2026-05-01T00:00:00Z"),
    ]
    assert found[0].decision["rationale"] == "because restrict"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("changed value", "does not match"),
        ("other subject", "not a decision on"),
        ("later entry", "earlier entries"),
    ],
)
def test_a_doctored_opening_is_refused(case: str, message: str) -> None:
    first = decision("restrict", "2026-01-01T00:00:00Z", review="2026-04-01")
    entries = [first[0]]
    if case == "changed value":
        data = opening([(0, *first)], value={"outcome": "restrict", "rationale": "other"})
    elif case == "other subject":
        data = opening([(0, *first)], subject="vul-2")
    else:
        data = opening([(5, *first)])
    entries.append(data)
    with pytest.raises(CommitmentError, match=message):
        verify_opening(parse_entry(data), 1, lambda i: entries[i % 1])


def test_figures_read_disclosures_and_overdue_reviews() -> None:
    built = [
        decision("restrict", "2026-01-01T00:00:00Z", "vul-1", "2026-03-01"),
        decision("disclose", "2026-01-31T00:00:00Z", "vul-1"),
        decision("disclose", "2026-02-01T00:00:00Z", "vul-2"),
        decision("limited_use", "2026-02-01T00:00:00Z", "vul-3", "2026-05-01"),
        decision("mitigate", "2026-02-01T00:00:00Z", "vul-4", "2027-01-01"),
    ]
    pairs = [(i, parse_entry(d)) for i, (d, _) in enumerate(built)]
    figures, sources = equities_figures(pairs, date(2026, 1, 1), date(2026, 6, 30))
    assert figures == {
        "disclosed_on_first_review": 1,  # vul-2
        "disclosed_on_reconsideration": 1,  # vul-1, restricted first
        "median_days_to_disclose": 0,  # 30 and 0 days: the lower middle value
        "reviews_overdue_at_end": 1,  # vul-3; vul-1 was disclosed, vul-4 not due
    }
    assert sources["equities.reviews_overdue_at_end"] == [3]
    assert sources["equities.median_days_to_disclose"] == [0, 1, 2]
    later, _ = equities_figures(pairs, date(2026, 1, 15), date(2026, 6, 30))
    assert later["disclosed_on_reconsideration"] == 1  # its first decision is before the period

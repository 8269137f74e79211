"""The 50 % rule: direct, aggregate, indirect (multiplied along chains), dated edges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.screening import OwnershipEdge, fifty_percent_rule

DAY = date(2026, 6, 1)


class Graph:
    def __init__(self, *edges: OwnershipEdge) -> None:
        self.edges = edges

    def owners_of(self, party: str) -> Sequence[OwnershipEdge]:
        return [e for e in self.edges if e.owned == party]


def listed(*names: str):
    return lambda owner: owner in names


def test_direct_majority_owner() -> None:
    finding = fifty_percent_rule(
        "Target", Graph(OwnershipEdge("Oligarch", "Target", 0.5)), listed("Oligarch"), DAY
    )
    assert finding.blocked
    assert finding.aggregate_share == 0.5


def test_aggregate_of_two_listed_minority_owners() -> None:
    graph = Graph(
        OwnershipEdge("A", "Target", 0.25),
        OwnershipEdge("B", "Target", 0.25),
        OwnershipEdge("C", "Target", 0.5),
    )
    finding = fifty_percent_rule("Target", graph, listed("A", "B"), DAY)
    assert finding.blocked
    assert {c.listed_owner for c in finding.chains} == {"A", "B"}


def test_indirect_shares_multiply_along_the_chain() -> None:
    # A (listed) owns 40 % of H, H owns 100 % of Target: A holds 40 % of Target
    graph = Graph(
        OwnershipEdge("A", "H", 0.4),
        OwnershipEdge("H", "Target", 1.0),
        OwnershipEdge("B", "Target", 0.2),
    )
    finding = fifty_percent_rule("Target", graph, listed("A", "B"), DAY)
    assert finding.aggregate_share == pytest.approx(0.6)
    assert finding.blocked
    chain = next(c for c in finding.chains if c.listed_owner == "A")
    assert [e.owned for e in chain.path] == ["H", "Target"]
    assert "A -> H -> Target" in finding.explain()


def test_a_minority_chain_alone_does_not_block() -> None:
    graph = Graph(OwnershipEdge("A", "H", 0.4), OwnershipEdge("H", "Target", 0.9))
    finding = fifty_percent_rule("Target", graph, listed("A"), DAY)
    assert not finding.blocked
    assert finding.aggregate_share == pytest.approx(0.36)


def test_a_blocked_intermediary_passes_its_whole_holding_on() -> None:
    # A owns 50 % of H, so H is blocked; H owns 60 % of Target, so Target is blocked too
    graph = Graph(OwnershipEdge("A", "H", 0.5), OwnershipEdge("H", "Target", 0.6))
    finding = fifty_percent_rule("Target", graph, listed("A"), DAY)
    assert finding.blocked
    assert finding.chains[0].blocked_via == "H"
    assert finding.aggregate_share == pytest.approx(0.6)


def test_expired_holdings_do_not_count() -> None:
    graph = Graph(OwnershipEdge("A", "Target", 0.8, valid_to=date(2025, 12, 31)))
    assert not fifty_percent_rule("Target", graph, listed("A"), DAY).blocked


def test_cycles_end_and_bad_shares_are_refused() -> None:
    graph = Graph(
        OwnershipEdge("X", "Y", 0.5),
        OwnershipEdge("Y", "X", 0.5),
        OwnershipEdge("Y", "Target", 0.5),
    )
    assert not fifty_percent_rule("Target", graph, listed(), DAY).blocked
    with pytest.raises(InvalidInput, match="not in"):
        fifty_percent_rule("Target", Graph(OwnershipEdge("A", "Target", 1.5)), listed("A"), DAY)


# -- issue 12: unknown shares, stakes recorded twice, owners holding more than 100 % ---------


def test_an_unrecorded_share_of_a_listed_owner_is_unknown_not_clear() -> None:
    graph = Graph(OwnershipEdge("A", "Target", None), OwnershipEdge("C", "Target", 0.3))
    finding = fifty_percent_rule("Target", graph, listed("A"), DAY)
    assert not finding.blocked and finding.aggregate_share == 0
    assert finding.status == "unknown"
    assert [c.listed_owner for c in finding.unknown] == ["A"]
    assert "A -> Target (unknown; effective unknown)" in finding.explain()


def test_an_unknown_share_on_an_indirect_path_is_unknown() -> None:
    graph = Graph(OwnershipEdge("A", "H", 0.8), OwnershipEdge("H", "Target", None))
    finding = fifty_percent_rule("Target", graph, listed("A"), DAY)
    # H is blocked in its own right (80 %), but how much of Target it holds is not recorded
    assert finding.status == "unknown" and finding.unknown[0].blocked_via == "H"


def test_known_shares_reaching_half_block_whatever_is_unknown() -> None:
    graph = Graph(OwnershipEdge("A", "Target", 0.5), OwnershipEdge("B", "Target", None))
    assert fifty_percent_rule("Target", graph, listed("A", "B"), DAY).status == "blocked"


def test_no_listed_owner_is_clear_even_with_unknown_shares() -> None:
    graph = Graph(OwnershipEdge("X", "Target", None))
    assert fifty_percent_rule("Target", graph, listed("A"), DAY).status == "clear"


def test_a_stake_recorded_twice_counts_once() -> None:
    graph = Graph(OwnershipEdge("A", "Target", 0.3), OwnershipEdge("A", "Target", 0.3))
    finding = fifty_percent_rule("Target", graph, listed("A"), DAY)
    assert finding.aggregate_share == pytest.approx(0.3) and not finding.blocked


def test_a_re_recorded_stake_supersedes_and_a_known_share_beats_an_unknown_one() -> None:
    graph = Graph(
        OwnershipEdge("A", "Target", 0.3),
        OwnershipEdge("A", "Target", 0.4),
        OwnershipEdge("A", "Target", None),
    )
    finding = fifty_percent_rule("Target", graph, listed("A"), DAY)
    assert finding.aggregate_share == pytest.approx(0.4) and finding.status == "clear"


def test_owners_holding_more_than_everything_is_a_data_error() -> None:
    graph = Graph(OwnershipEdge("A", "Target", 0.7), OwnershipEdge("B", "Target", 0.6))
    finding = fifty_percent_rule("Target", graph, listed("A"), DAY)
    assert finding.blocked and finding.aggregate_share == pytest.approx(0.7)
    [error] = finding.errors
    assert error.owned == "Target" and error.total == pytest.approx(1.3)

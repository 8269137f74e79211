"""The 50 % rule (OFAC guidance, 13 August 2014): an entity owned 50 % or more,
directly or indirectly, individually or in the aggregate, by one or more blocked
persons is itself blocked.

Ownership comes through :class:`OwnershipGraph` (the registry's typed relationships
in production). Indirect ownership multiplies along a chain (A owns 60 % of B, B owns
50 % of C: A owns 30 % of C); a listed owner's holdings through different chains add
up, and the holdings of different listed owners add up (the aggregate test). Only a
chain through a party that is *itself* blocked carries ownership onward in full
(OFAC FAQ 401: an entity 50 %-owned by blocked persons is blocked, and what it owns
50 % or more is blocked too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pallmall.core.errors import InvalidInput

THRESHOLD = 0.5
MAX_DEPTH = 8


@dataclass(frozen=True)
class OwnershipEdge:
    """``owner`` holds ``share`` (0 < share <= 1) of ``owned`` between the dates given."""

    owner: str
    owned: str
    share: float
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        """Whether the holding exists on ``day`` (open ends are unbounded)."""
        starts = self.valid_from is None or self.valid_from <= day
        return starts and (self.valid_to is None or day <= self.valid_to)


class OwnershipGraph(Protocol):
    """Who owns a party: the registry implements it over its relationships."""

    def owners_of(self, party: str) -> Sequence[OwnershipEdge]:
        """The direct owners of ``party`` (edges whose ``owned`` is ``party``)."""
        ...


@dataclass(frozen=True)
class OwnershipChain:
    """One path from a listed owner down to the party, with the effective share."""

    listed_owner: str
    path: tuple[OwnershipEdge, ...]
    share: float
    blocked_via: str = ""


@dataclass(frozen=True)
class FiftyPercentFinding:
    """The aggregate share listed owners hold in ``party`` and whether it reaches 50 %."""

    party: str
    on: date
    aggregate_share: float
    blocked: bool
    chains: tuple[OwnershipChain, ...]

    def explain(self) -> str:
        """One line per chain: ``listed -> ... -> party (share)``."""
        lines = []
        for chain in self.chains:
            names = [chain.listed_owner, *(e.owned for e in chain.path)]
            shares = ", ".join(f"{e.share:.0%}" for e in chain.path)
            via = f"; {chain.blocked_via} blocked under the rule" if chain.blocked_via else ""
            lines.append(f"{' -> '.join(names)} ({shares}; effective {chain.share:.1%}{via})")
        return "\n".join(lines)


def fifty_percent_rule(
    party: str,
    graph: OwnershipGraph,
    is_listed: Callable[[str], bool],
    on: date,
    threshold: float = THRESHOLD,
) -> FiftyPercentFinding:
    """Apply the 50 % rule to ``party`` on day ``on``.

    ``is_listed(owner)`` says whether an owner is a listed (blocked) person (e.g. a
    screening alert the caseworker confirmed). Ownership shares multiply along a chain;
    an owner that is itself blocked under the rule passes ownership on in full. Returns
    the finding with every chain from a listed owner; raises :class:`InvalidInput` for a
    share outside (0, 1] or a cycle-free depth beyond ``MAX_DEPTH``.
    """
    chains = _chains(party, graph, is_listed, on, (), set())
    aggregate = min(1.0, sum(c.share for c in chains))
    chains.sort(key=lambda c: (-c.share, c.listed_owner, len(c.path)))
    return FiftyPercentFinding(
        party, on, round(aggregate, 6), aggregate + 1e-9 >= threshold, tuple(chains)
    )


def _chains(
    party: str,
    graph: OwnershipGraph,
    is_listed: Callable[[str], bool],
    on: date,
    below: tuple[OwnershipEdge, ...],
    seen: set[str],
) -> list[OwnershipChain]:
    if len(below) > MAX_DEPTH:
        raise InvalidInput(f"ownership.{party}", f"chain deeper than {MAX_DEPTH} levels")
    found: list[OwnershipChain] = []
    for edge in graph.owners_of(party):
        if not 0 < edge.share <= 1:
            raise InvalidInput(
                f"ownership.{edge.owner}->{edge.owned}", f"share {edge.share} not in (0, 1]"
            )
        if not edge.valid_on(on) or edge.owner in seen:
            continue
        path = (edge, *below)
        if is_listed(edge.owner):
            found.append(OwnershipChain(edge.owner, path, _product(path)))
            continue
        upstream = _chains(edge.owner, graph, is_listed, on, path, seen | {party})
        owner_share = sum(c.share for c in upstream) / _product(path)
        if upstream and owner_share + 1e-9 >= THRESHOLD:
            # the owner is blocked in its own right: its whole holding counts, once
            best = max(upstream, key=lambda c: c.share)
            found.append(OwnershipChain(best.listed_owner, best.path, _product(path), edge.owner))
        else:
            found.extend(upstream)
    return found


def _product(path: tuple[OwnershipEdge, ...]) -> float:
    out = 1.0
    for edge in path:
        out *= edge.share
    return out

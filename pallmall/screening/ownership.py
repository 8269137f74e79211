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
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from pallmall.core.errors import InvalidInput

THRESHOLD = 0.5
MAX_DEPTH = 8


@dataclass(frozen=True)
class OwnershipEdge:
    """``owner`` holds ``share`` (0 < share <= 1) of ``owned`` between the dates given;
    ``share`` None: the holding is known, its size is not (the rule then cannot say "not
    blocked", only "unknown")."""

    owner: str
    owned: str
    share: float | None
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        """Whether the holding exists on ``day`` (open ends are unbounded)."""
        starts = self.valid_from is None or self.valid_from <= day
        return starts and (self.valid_to is None or day <= self.valid_to)


class OwnershipGraph(Protocol):
    """Who owns a party: the registry implements it over its relationships."""

    def owners_of(self, party: str) -> Sequence[OwnershipEdge]:
        """The direct owners of ``party`` (edges whose ``owned`` is ``party``), in the order
        they were recorded (a later edge for the same owner re-records the stake)."""
        ...


@dataclass(frozen=True)
class OwnershipChain:
    """One path from a listed owner down to the party, with the effective share (None when
    a holding on the path has no recorded share)."""

    listed_owner: str
    path: tuple[OwnershipEdge, ...]
    share: float | None
    blocked_via: str = ""


@dataclass(frozen=True)
class OwnershipError:
    """Recorded owners of ``owned`` hold ``total`` (> 1) of it together: the data is wrong."""

    owned: str
    total: float
    holdings: tuple[OwnershipEdge, ...]


@dataclass(frozen=True)
class FiftyPercentFinding:
    """The aggregate share listed owners are known to hold in ``party``, whether it reaches
    50 %, the chains with an unrecorded share (``unknown``), and ``errors`` in the data.

    ``status``: ``blocked`` (the known aggregate reaches the threshold), ``unknown`` (it does
    not, but a listed owner holds a stake of unrecorded size) or ``clear``.
    """

    party: str
    on: date
    aggregate_share: float
    blocked: bool
    chains: tuple[OwnershipChain, ...]
    unknown: tuple[OwnershipChain, ...] = ()
    errors: tuple[OwnershipError, ...] = ()

    @property
    def status(self) -> str:
        """``blocked``, ``unknown`` or ``clear``."""
        if self.blocked:
            return "blocked"
        return "unknown" if self.unknown else "clear"

    def explain(self) -> str:
        """One line per chain: ``listed -> ... -> party (share)``; unknown chains after."""
        return "\n".join(describe(c) for c in (*self.chains, *self.unknown))


def describe(chain: OwnershipChain) -> str:
    """``listed -> ... -> party (40%, unknown; effective unknown)``."""
    names = [chain.listed_owner, *(e.owned for e in chain.path)]
    shares = ", ".join(_pct(e.share, ".0%") for e in chain.path)
    via = f"; {chain.blocked_via} blocked under the rule" if chain.blocked_via else ""
    return f"{' -> '.join(names)} ({shares}; effective {_pct(chain.share, '.1%')}{via})"


def _pct(share: float | None, spec: str) -> str:
    return "unknown" if share is None else format(share, spec)


def holdings(graph: OwnershipGraph, party: str, on: date) -> list[OwnershipEdge]:
    """The direct holdings in ``party`` on ``on``, each owner once: a stake recorded twice,
    or re-recorded, counts once (the last recorded with a known share, else the last).

    Raises:
        InvalidInput: a share outside (0, 1].
    """
    by_owner: dict[str, OwnershipEdge] = {}
    for edge in graph.owners_of(party):
        if edge.share is not None and not 0 < edge.share <= 1:
            raise InvalidInput(
                f"ownership.{edge.owner}->{edge.owned}", f"share {edge.share} not in (0, 1]"
            )
        if not edge.valid_on(on):
            continue
        current = by_owner.get(edge.owner)
        if current is None or edge.share is not None or current.share is None:
            by_owner[edge.owner] = edge
    return list(by_owner.values())


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
    an owner that is itself blocked under the rule passes ownership on in full; a stake
    recorded twice counts once (:func:`holdings`). A chain through a holding of unrecorded
    size is *unknown*: it does not add to the aggregate, and it turns "clear" into
    "unknown". Returns the finding with every chain from a listed owner, and each record on
    the way whose owners hold more than 100 % (``errors``).

    Raises:
        InvalidInput: a share outside (0, 1], or a chain deeper than ``MAX_DEPTH``.
    """
    walk = _Walk(graph, is_listed, on)
    known, unknown = walk.owned(party, 0, frozenset())
    aggregate = min(1.0, sum(c.share or 0.0 for c in known))
    known.sort(key=lambda c: (-(c.share or 0.0), c.listed_owner, len(c.path)))
    unknown.sort(key=lambda c: (c.listed_owner, len(c.path)))
    return FiftyPercentFinding(
        party,
        on,
        round(aggregate, 6),
        aggregate + 1e-9 >= threshold,
        tuple(known),
        tuple(unknown),
        tuple(walk.errors.values()),
    )


Chains = tuple[list[OwnershipChain], list[OwnershipChain]]


@dataclass
class _Walk:
    graph: OwnershipGraph
    is_listed: Callable[[str], bool]
    on: date
    errors: dict[str, OwnershipError] = field(default_factory=dict)

    def owned(self, party: str, depth: int, seen: frozenset[str]) -> Chains:
        """Chains from listed owners down to ``party``: (known share, unknown share)."""
        if depth > MAX_DEPTH:
            raise InvalidInput(f"ownership.{party}", f"chain deeper than {MAX_DEPTH} levels")
        edges = holdings(self.graph, party, self.on)
        self._check_total(party, edges)
        known: list[OwnershipChain] = []
        unknown: list[OwnershipChain] = []
        for edge in edges:
            if edge.owner in seen:
                continue
            k, u = self._through(edge, depth, seen | {party})
            known += k
            unknown += u
        return known, unknown

    def _through(self, edge: OwnershipEdge, depth: int, seen: frozenset[str]) -> Chains:
        if self.is_listed(edge.owner):
            return _sorted([OwnershipChain(edge.owner, (edge,), edge.share)], [])
        above, above_unknown = self.owned(edge.owner, depth + 1, seen)
        owner_share = sum(c.share or 0.0 for c in above)
        if above and owner_share + 1e-9 >= THRESHOLD:
            # the owner is blocked in its own right: its whole holding counts, once
            best = max(above, key=lambda c: c.share or 0.0)
            chain = OwnershipChain(best.listed_owner, (*best.path, edge), edge.share, edge.owner)
            return _sorted([chain], [])
        known = [_extend(c, edge) for c in above]
        unknown = [_extend(c, edge) for c in above_unknown]
        return _sorted(known, unknown)

    def _check_total(self, party: str, edges: list[OwnershipEdge]) -> None:
        total = sum(e.share for e in edges if e.share is not None)
        if total > 1 + 1e-9:
            self.errors[party] = OwnershipError(party, round(total, 6), tuple(edges))


def _extend(chain: OwnershipChain, edge: OwnershipEdge) -> OwnershipChain:
    share = None if chain.share is None or edge.share is None else chain.share * edge.share
    return OwnershipChain(chain.listed_owner, (*chain.path, edge), share, chain.blocked_via)


def _sorted(chains: list[OwnershipChain], unknown: list[OwnershipChain]) -> Chains:
    """Chains with a known share, and those whose share (somewhere on the path) is not."""
    known = [c for c in chains if c.share is not None]
    return known, unknown + [c for c in chains if c.share is None]

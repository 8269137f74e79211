"""Each peer's status as the operator sees it: last sync, last verified checkpoint, lag,
errors, evidence (the ``/api/v1/federation/peers`` view, the page and ``federation status``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pallmall.federation.peer import Peer
from pallmall.federation.sync import PeerState
from pallmall.log.checkpoint import parse_checkpoint
from pallmall.log.errors import CheckpointError, NoteError
from pallmall.log.note import parse_note


@dataclass(frozen=True)
class PeerView:
    """One peer's status. Never holds the token the peer issued us.

    ``lag_entries`` is how far the verified checkpoint is behind the size the peer last
    announced (None before the first checkpoint); ``lag_seconds`` the age of the last
    successful sync (None before the first). ``blocked`` is set while a fork the peer showed
    waits for an operator's reset.
    """

    name: str
    url: str
    origin: str
    state: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    verified_size: int | None
    peer_size: int | None
    lag_entries: int | None
    lag_seconds: float | None
    last_error: str
    error_count: int
    evidence_count: int
    blocked: bool


def peer_views(
    peers: Sequence[Peer],
    states: Mapping[str, PeerState],
    evidence: Mapping[str, int],
    now: datetime,
) -> list[PeerView]:
    """The status of each peer in ``peers`` (their order kept)."""
    return [
        _view(p, states.get(p.name, PeerState(p.name)), evidence.get(p.name, 0), now) for p in peers
    ]


def _view(peer: Peer, state: PeerState, evidence: int, now: datetime) -> PeerView:
    verified = _size(state.verified_note)
    lag = None
    if verified is not None and state.peer_size is not None:
        lag = max(0, state.peer_size - verified)
    age = (now - state.last_success_at).total_seconds() if state.last_success_at else None
    return PeerView(
        name=peer.name,
        url=peer.url,
        origin=peer.log_origin,
        state=peer.state,
        last_attempt_at=state.last_attempt_at,
        last_success_at=state.last_success_at,
        verified_size=verified,
        peer_size=state.peer_size,
        lag_entries=lag,
        lag_seconds=age,
        last_error=state.last_error,
        error_count=state.error_count,
        evidence_count=evidence,
        blocked=state.fork_evidence is not None,
    )


def _size(note: str) -> int | None:
    if not note:
        return None
    try:
        return parse_checkpoint(parse_note(note).text).size
    except (NoteError, CheckpointError):
        return None

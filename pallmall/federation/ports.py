"""What federation needs from storage, as small Protocols (``storage`` provides them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pallmall.federation.objects import NewShare, ReceivedObject, SharedObject
from pallmall.federation.peer import Peer, SharingGroup
from pallmall.intel.taxii import ObjectQuery


class PeerStore(Protocol):
    """Peers, sharing groups and their members (see ``SqlFederationStore``)."""

    def add_peer(self, peer: Peer) -> None:
        """Insert ``peer``; ``Conflict`` when its name or log origin is taken."""
        ...

    def get_peer(self, name: str) -> Peer | None:
        """The peer named ``name`` (active or removed), or None."""
        ...

    def peer_for_account(self, account_id: str) -> Peer | None:
        """The active peer whose local account is ``account_id``, or None."""
        ...

    def peer_for_origin(self, log_origin: str) -> Peer | None:
        """The active peer whose log origin is ``log_origin``, or None."""
        ...

    def peers(self, include_removed: bool = False) -> Sequence[Peer]:
        """Peers by name; active ones only unless ``include_removed``."""
        ...

    def set_peer_token(self, name: str, token: str) -> None:
        """Store the token the peer issued to us; ``NotFound`` for no active peer."""
        ...

    def remove_peer(self, name: str) -> None:
        """Mark the peer removed and drop it from every group; ``NotFound`` for none."""
        ...

    def add_group(self, group: SharingGroup) -> None:
        """Insert ``group``; ``Conflict`` when the name is taken."""
        ...

    def get_group(self, name: str) -> SharingGroup | None:
        """The group named ``name``, or None."""
        ...

    def groups(self) -> Sequence[SharingGroup]:
        """Every group, by name."""
        ...

    def join(self, group_name: str, peer_name: str) -> bool:
        """Add the peer to the group; False when a member already."""
        ...

    def leave(self, group_name: str, peer_name: str) -> bool:
        """Remove the peer from the group; False when not a member."""
        ...

    def members(self, group_name: str) -> Sequence[str]:
        """Names of the group's members, sorted."""
        ...

    def groups_of(self, peer_name: str) -> Sequence[SharingGroup]:
        """The groups the peer is a member of, by name."""
        ...


class ObjectStore(Protocol):
    """Object versions shared (outgoing) and received (incoming)."""

    def add_shared(self, share: NewShare) -> bool:
        """Store an object version to share, dated now (``date_added`` grows with every
        addition); False, and nothing stored, when the group has that version already."""
        ...

    def shared(self, object_type: str, containing: str) -> Sequence[SharedObject]:
        """Shared versions of ``object_type`` whose body contains ``containing`` (a
        canonical JSON fragment such as ``"reference":"case-1"``), oldest first."""
        ...

    def received(
        self, object_type: str, containing: str, verified_only: bool = True
    ) -> Sequence[ReceivedObject]:
        """Received versions of ``object_type`` whose body contains ``containing``, from
        active peers, verified ones only unless ``verified_only`` is False."""
        ...

    def add_received(self, received: ReceivedObject) -> bool:
        """Store a received object version; False when it was held already."""
        ...

    def page_shared(
        self, group_name: str, query: ObjectQuery
    ) -> tuple[Sequence[SharedObject], bool]:
        """Up to ``query.limit`` versions shared in ``group_name`` matching ``query`` (TAXII
        2.1 §3.4 filters, keyset ``after``), in ``date_added`` order, each with its log index
        (None while unlogged), and whether more follow."""
        ...


class FederationStore(PeerStore, ObjectStore, Protocol):
    """Everything federation keeps, on one unit of work."""

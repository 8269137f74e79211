"""Federation tables on SQLAlchemy Core: peers, sharing groups and their members, objects
this node shares (outgoing), objects received from peers (incoming), each peer's sync state
and the evidence of a peer's misbehaviour (append-only: the migration installs triggers).

The column contract is docs/federation.md's; helper modules on both sides (sending and
verifying) read these tables, so names and meanings do not change without a migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    false,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, NotFound
from pallmall.disclosure.marking import Tlp
from pallmall.federation.objects import NewShare, ReceivedObject, SharedObject
from pallmall.federation.peer import Peer, PeerStatus, SharingGroup
from pallmall.intel.record import datetime_us
from pallmall.intel.taxii import ObjectQuery
from pallmall.storage.base import metadata
from pallmall.storage.intel import version_filter
from pallmall.storage.tables import AutoId, public_changes
from pallmall.storage.types import UTCDateTime

federation_peers = Table(
    "federation_peers",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("url", String(500), nullable=False),
    Column("log_origin", String(300), nullable=False, unique=True),
    Column("log_vkey", String(500), nullable=False),
    Column("witness_vkey", String(500), nullable=False),  # "" when the peer runs no witness
    Column("state", String(2), nullable=False),
    # the bearer token THE PEER issued to us: never shown by any view
    Column("token", Text, nullable=False),
    # the local account our node created for the peer (its token calls us)
    Column("account_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

federation_groups = Table(
    "federation_groups",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("tlp", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

federation_group_members = Table(
    "federation_group_members",
    metadata,
    Column("group_name", String(40), ForeignKey("federation_groups.name"), nullable=False),
    Column(
        "peer_name", String(40), ForeignKey("federation_peers.name"), nullable=False, index=True
    ),
    PrimaryKeyConstraint("group_name", "peer_name"),
)

federation_objects = Table(
    "federation_objects",
    metadata,
    Column("seq", AutoId, primary_key=True, autoincrement=True),
    # a group's name, or "inbox:<peer>" for an object pushed to one peer's inbox
    Column("group_name", String(60), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("version", BigInteger, nullable=False),  # STIX ``modified``, µs since the epoch
    Column("object_type", String(100), nullable=False),
    Column("body", Text, nullable=False),  # RFC 8785 canonical JSON, without x_pallmall_log
    Column("object_sha256", String(64), nullable=False),
    Column("change_id", String(64), nullable=False, index=True),
    Column("log_index", BigInteger, nullable=True),  # None until the publisher logged it
    Column("date_added_us", BigInteger, nullable=False),
    UniqueConstraint(
        "group_name", "object_id", "version", name="uq_federation_objects_group_object_version"
    ),
    Index("ix_federation_objects_group_added", "group_name", "date_added_us"),
)

federation_received = Table(
    "federation_received",
    metadata,
    Column("peer_name", String(40), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("object_type", String(100), nullable=False, index=True),
    Column("body", Text, nullable=False),  # canonical JSON as received minus x_pallmall_log
    Column("log_index", BigInteger, nullable=True),
    # the size of the peer's checkpoint the object was proven in; None = not verified yet
    Column("verified_size", BigInteger, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("peer_name", "object_id", "version"),
)

federation_peer_state = Table(
    "federation_peer_state",
    metadata,
    Column("peer_name", String(40), primary_key=True),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("last_success_at", UTCDateTime, nullable=True),
    Column("verified_size", BigInteger, nullable=True),
    Column("verified_root", String(64), nullable=True),  # base64
    Column("verified_note", Text, nullable=True),
    Column("cursors", JSON, nullable=False),  # collection id -> added_after timestamp
    Column("last_error", Text, nullable=False),
    Column("error_count", Integer, nullable=False),
    Column("peer_size", BigInteger, nullable=True),
)

federation_evidence = Table(
    "federation_evidence",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("peer_name", String(40), nullable=False, index=True),
    # split-view | inconsistent | bad-signature | bad-proof | garbage
    Column("kind", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("detail", JSON, nullable=False),
)


# Serialises additions to federation_objects on PostgreSQL, so that ``date_added`` grows in
# commit order and a reader paging with ``added_after`` never skips a late commit.
_SHARE_LOCK = 0x70616C6C6D  # "pallm"


class SqlFederationStore:
    """Peers, sharing groups and their members, objects shared and received, on one
    connection (one unit of work)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- peers -------------------------------------------------------------------------

    def add_peer(self, peer: Peer) -> None:
        """Insert ``peer``.

        Raises:
            Conflict: a peer of that name or log origin exists (removed ones included).
        """
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(federation_peers).values(**_peer_values(peer)))
        except IntegrityError as exc:
            raise Conflict(
                f"a peer named {peer.name} or with origin {peer.log_origin} exists already"
            ) from exc

    def get_peer(self, name: str) -> Peer | None:
        """The peer named ``name`` (active or removed), or None."""
        row = self.conn.execute(
            select(federation_peers).where(federation_peers.c.name == name)
        ).first()
        return None if row is None else _peer(row)

    def peer_for_account(self, account_id: str) -> Peer | None:
        """The ACTIVE peer whose local account is ``account_id``, or None."""
        t = federation_peers.c
        row = self.conn.execute(
            select(federation_peers).where(
                t.account_id == account_id, t.status == PeerStatus.ACTIVE.value
            )
        ).first()
        return None if row is None else _peer(row)

    def peer_for_origin(self, log_origin: str) -> Peer | None:
        """The ACTIVE peer whose log origin is ``log_origin``, or None."""
        t = federation_peers.c
        row = self.conn.execute(
            select(federation_peers).where(
                t.log_origin == log_origin, t.status == PeerStatus.ACTIVE.value
            )
        ).first()
        return None if row is None else _peer(row)

    def peers(self, include_removed: bool = False) -> Sequence[Peer]:
        """Peers by name; active ones only unless ``include_removed``."""
        query = select(federation_peers).order_by(federation_peers.c.name)
        if not include_removed:
            query = query.where(federation_peers.c.status == PeerStatus.ACTIVE.value)
        return [_peer(r) for r in self.conn.execute(query).all()]

    def set_peer_token(self, name: str, token: str) -> None:
        """Store the bearer token the peer issued to us.

        Raises:
            NotFound: no active peer ``name``.
        """
        self._update_active_peer(name, token=token)

    def remove_peer(self, name: str) -> None:
        """Mark the peer removed, forget the token it gave us and drop it from every group.

        Raises:
            NotFound: no active peer ``name``.
        """
        self._update_active_peer(name, status=PeerStatus.REMOVED.value, token="")
        self.conn.execute(
            delete(federation_group_members).where(federation_group_members.c.peer_name == name)
        )

    def _update_active_peer(self, name: str, **values: Any) -> None:
        t = federation_peers.c
        done = self.conn.execute(
            update(federation_peers)
            .where(t.name == name, t.status == PeerStatus.ACTIVE.value)
            .values(**values)
        )
        if done.rowcount != 1:
            raise NotFound(f"no active peer named {name}")

    # -- groups ------------------------------------------------------------------------

    def add_group(self, group: SharingGroup) -> None:
        """Insert ``group``.

        Raises:
            Conflict: a group of that name exists.
        """
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(federation_groups).values(
                        name=group.name,
                        tlp=group.tlp.value,
                        description=group.description,
                        created_at=group.created_at,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"a group named {group.name} exists already") from exc

    def get_group(self, name: str) -> SharingGroup | None:
        """The group named ``name``, or None."""
        row = self.conn.execute(
            select(federation_groups).where(federation_groups.c.name == name)
        ).first()
        return None if row is None else _group(row)

    def groups(self) -> Sequence[SharingGroup]:
        """Every group, by name."""
        rows = self.conn.execute(select(federation_groups).order_by(federation_groups.c.name))
        return [_group(r) for r in rows.all()]

    def join(self, group_name: str, peer_name: str) -> bool:
        """Make the active peer a member of the group; False when it was one already.

        Raises:
            NotFound: no such group, or no active peer of that name.
        """
        self._need_group(group_name)
        if self.get_peer(peer_name) is None or self._status(peer_name) != PeerStatus.ACTIVE:
            raise NotFound(f"no active peer named {peer_name}")
        if peer_name in self.members(group_name):
            return False
        self.conn.execute(
            insert(federation_group_members).values(group_name=group_name, peer_name=peer_name)
        )
        return True

    def leave(self, group_name: str, peer_name: str) -> bool:
        """Remove the peer from the group; False when it was not a member.

        Raises:
            NotFound: no such group.
        """
        self._need_group(group_name)
        m = federation_group_members.c
        done = self.conn.execute(
            delete(federation_group_members).where(
                m.group_name == group_name, m.peer_name == peer_name
            )
        )
        return done.rowcount == 1

    def members(self, group_name: str) -> Sequence[str]:
        """Names of the group's members, sorted."""
        m = federation_group_members.c
        rows = self.conn.execute(
            select(m.peer_name).where(m.group_name == group_name).order_by(m.peer_name)
        )
        return [r.peer_name for r in rows.all()]

    def groups_of(self, peer_name: str) -> Sequence[SharingGroup]:
        """The groups ``peer_name`` is a member of, by name."""
        m = federation_group_members.c
        rows = self.conn.execute(
            select(federation_groups)
            .join(federation_group_members, m.group_name == federation_groups.c.name)
            .where(m.peer_name == peer_name)
            .order_by(federation_groups.c.name)
        )
        return [_group(r) for r in rows.all()]

    def _need_group(self, name: str) -> None:
        if self.get_group(name) is None:
            raise NotFound(f"no group named {name}")

    def _status(self, peer_name: str) -> PeerStatus | None:
        peer = self.get_peer(peer_name)
        return None if peer is None else peer.status

    # -- objects -----------------------------------------------------------------------

    def add_shared(self, share: NewShare) -> bool:
        """Store an object version to share, dated now and after every earlier one; False
        (nothing stored) when the group holds that version already."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SHARE_LOCK})
        o = federation_objects.c
        held = self.conn.execute(
            select(o.seq).where(
                o.group_name == share.group_name,
                o.object_id == share.object_id,
                o.version == share.version,
            )
        ).first()
        if held is not None:
            return False
        # date_added grows with seq (additions are serialised), so the last row holds the
        # newest: a primary-key read, not a scan
        newest = self.conn.execute(
            select(o.date_added_us).order_by(o.seq.desc()).limit(1)
        ).scalar_one_or_none()
        added = max(datetime_us(utcnow()), (newest or 0) + 1)
        self.conn.execute(
            insert(federation_objects).values(
                **{k: getattr(share, k) for k in _SHARE_COLUMNS}, date_added_us=added
            )
        )
        return True

    def shared(self, object_type: str, containing: str) -> Sequence[SharedObject]:
        """Shared versions of ``object_type`` whose body contains ``containing``, oldest
        first, with their log index when the publisher has logged them."""
        o = federation_objects.c
        query = (
            _shared_select()
            .where(o.object_type == object_type, o.body.contains(containing, autoescape=True))
            .order_by(o.seq)
        )
        return [_shared(r) for r in self.conn.execute(query).all()]

    def received(
        self, object_type: str, containing: str, verified_only: bool = True
    ) -> Sequence[ReceivedObject]:
        """Received versions of ``object_type`` whose body contains ``containing``, from
        active peers (verified ones only unless ``verified_only`` is False)."""
        r, p = federation_received.c, federation_peers.c
        query = (
            select(federation_received)
            .join(federation_peers, p.name == r.peer_name)
            .where(
                p.status == PeerStatus.ACTIVE.value,
                r.object_type == object_type,
                r.body.contains(containing, autoescape=True),
            )
            .order_by(r.received_at, r.peer_name, r.object_id, r.version)
        )
        if verified_only:
            query = query.where(r.verified_size.is_not(None))
        return [_received(row) for row in self.conn.execute(query).all()]

    def add_received(self, received: ReceivedObject) -> bool:
        """Store a received object version; False when held already (the first copy stays)."""
        r = federation_received.c
        held = self.conn.execute(
            select(r.version).where(
                r.peer_name == received.peer_name,
                r.object_id == received.object_id,
                r.version == received.version,
            )
        ).first()
        if held is not None:
            return False
        self.conn.execute(insert(federation_received).values(**received.__dict__))
        return True

    def page_shared(
        self, group_name: str, query: ObjectQuery
    ) -> tuple[Sequence[SharedObject], bool]:
        """Up to ``query.limit`` versions shared in ``group_name`` matching ``query``, in
        ``date_added`` order, with their log index (None while unlogged); more to follow?"""
        o = federation_objects.c
        statement = (
            _shared_select()
            .where(*_object_filters(group_name, query))
            .order_by(o.date_added_us, o.seq)
            .limit(query.limit + 1)
        )
        rows = [_shared(r) for r in self.conn.execute(statement).all()]
        return rows[: query.limit], len(rows) > query.limit


def _object_filters(group_name: str, query: ObjectQuery) -> list[ColumnElement[bool]]:
    o = federation_objects.c
    found: list[ColumnElement[bool]] = [o.group_name == group_name]
    if query.after is not None:
        found.append(tuple_(o.date_added_us, o.seq) > tuple_(*query.after))
    if query.added_after_us is not None:
        found.append(o.date_added_us > query.added_after_us)
    if query.ids:
        found.append(o.object_id.in_(query.ids))
    if query.types:
        found.append(o.object_type.in_(query.types))
    if query.spec_versions and "2.1" not in query.spec_versions:
        found.append(false())  # every object shared is STIX 2.1
    version = _version_filter(query.versions)
    return found + ([version] if version is not None else [])


def _version_filter(versions: tuple[str | int, ...]) -> ColumnElement[bool] | None:
    return version_filter(versions, federation_objects, ("group_name", "object_id"), "version")


_SHARE_COLUMNS = (
    "group_name",
    "object_id",
    "version",
    "object_type",
    "body",
    "object_sha256",
    "change_id",
)


def _shared_select() -> Any:
    """federation_objects with the log index of each version's entry (from the outbox)."""
    o, c = federation_objects.c, public_changes.c
    return select(
        o.seq,
        o.group_name,
        o.object_id,
        o.version,
        o.object_type,
        o.body,
        o.object_sha256,
        o.change_id,
        o.date_added_us,
        func.coalesce(o.log_index, c.log_index).label("log_index"),
    ).outerjoin(public_changes, c.change_id == o.change_id)


def _shared(row: Row[Any]) -> SharedObject:
    return SharedObject(
        seq=row.seq,
        group_name=row.group_name,
        object_id=row.object_id,
        version=row.version,
        object_type=row.object_type,
        body=row.body,
        object_sha256=row.object_sha256,
        change_id=row.change_id,
        date_added_us=row.date_added_us,
        log_index=row.log_index,
    )


def _received(row: Row[Any]) -> ReceivedObject:
    return ReceivedObject(
        peer_name=row.peer_name,
        object_id=row.object_id,
        version=row.version,
        object_type=row.object_type,
        body=row.body,
        log_index=row.log_index,
        verified_size=row.verified_size,
        received_at=row.received_at,
    )


def _peer_values(peer: Peer) -> dict[str, Any]:
    return {
        "name": peer.name,
        "url": peer.url,
        "log_origin": peer.log_origin,
        "log_vkey": peer.log_vkey,
        "witness_vkey": peer.witness_vkey,
        "state": peer.state,
        "token": peer.token,
        "account_id": peer.account_id,
        "status": peer.status.value,
        "added_at": peer.added_at,
    }


def _peer(row: Row[Any]) -> Peer:
    return Peer(
        name=row.name,
        url=row.url,
        log_origin=row.log_origin,
        log_vkey=row.log_vkey,
        state=row.state,
        account_id=row.account_id,
        added_at=row.added_at,
        witness_vkey=row.witness_vkey,
        token=row.token,
        status=PeerStatus(row.status),
    )


def _group(row: Row[Any]) -> SharingGroup:
    return SharingGroup(
        name=row.name, tlp=Tlp(row.tlp), description=row.description, created_at=row.created_at
    )

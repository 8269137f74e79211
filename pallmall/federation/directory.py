"""The node's directory of peers and sharing groups: adding a peer (and the local account it
calls us with), storing the token it gave us, removing it, and managing groups. Every change
is audited; no token ever appears in an audit record or a listing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from pallmall.core.accounts import MAX_TOKEN_LIFETIME, AccountService
from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import AccountKind, Permission, Principal, Role
from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, InvalidInput, NotFound
from pallmall.core.states import state_code
from pallmall.disclosure.marking import Tlp
from pallmall.federation.peer import Peer, SharingGroup, check_name
from pallmall.federation.ports import PeerStore
from pallmall.log.keys import verifier_from_vkey

PEER_TOKEN_LIFETIME: timedelta = MAX_TOKEN_LIFETIME
"""The token a peer calls us with lives a year; ``peer add`` on a new name issues another."""


@dataclass(frozen=True)
class PeerIn:
    """What an operator gives to add a peer (see :class:`~pallmall.federation.peer.Peer`)."""

    name: str
    url: str
    log_origin: str
    log_vkey: str
    state: str
    witness_vkey: str = ""
    token: str = ""


@dataclass(frozen=True)
class AddedPeer:
    """A new peer, and the token it must use to call us (shown once, stored only hashed)."""

    peer: Peer
    token: str


def peer_email(name: str) -> str:
    """The e-mail of the user a peer calls this node as (``.invalid``: never a mailbox)."""
    return f"peer-{name}@federation.invalid"


@dataclass
class PeerDirectory:
    """Peers and groups over one unit of work; every method needs ``users:manage``."""

    store: PeerStore
    accounts: AccountService
    audit: AuditSink

    def add_peer(self, actor: Principal, new: PeerIn) -> AddedPeer:
        """Add a peer: its row, a local account and user of role ``peer``, an API token.

        Raises:
            InvalidInput: naming the field (name, url, log_origin, log_vkey, witness_vkey,
                state).
            Conflict: a peer with that name or origin exists (removed ones too).
        """
        actor.require(Permission.USERS_MANAGE)
        peer = _checked(new)
        if self.store.get_peer(peer.name) is not None:
            raise Conflict(f"a peer named {peer.name} exists already")
        org = self.accounts.ensure_org(actor, f"peer node {peer.name}", AccountKind.PEER_NODE)
        if org.kind is not AccountKind.PEER_NODE:
            raise Conflict(f"an account named 'peer node {peer.name}' exists already")
        user = self.accounts.create_user(
            actor, peer_email(peer.name), f"peer node {peer.name}", Role.PEER, org
        )
        issued = self.accounts.issue(actor, user, f"peer {peer.name}", PEER_TOKEN_LIFETIME)
        stored = Peer(**{**peer.__dict__, "account_id": org.id})
        self.store.add_peer(stored)
        self._audit(actor, "federation.peer.added", peer.name, _shown(stored))
        return AddedPeer(stored, issued.token)

    def set_token(self, actor: Principal, name: str, token: str) -> None:
        """Store the token the peer issued to us (to call it).

        Raises:
            InvalidInput: naming ``token`` when empty or not one line.
            NotFound: no active peer ``name``.
        """
        actor.require(Permission.USERS_MANAGE)
        token = token.strip()
        if not token or any(c.isspace() for c in token):
            raise InvalidInput("token", "must be one word, as the peer issued it")
        self.store.set_peer_token(name, token)
        self._audit(actor, "federation.peer.token_set", name, {})

    def remove_peer(self, actor: Principal, name: str) -> None:
        """Remove a peer: its row is kept as ``removed`` (what it sent stays attributable),
        it leaves every group, its user is disabled and its tokens revoked at once.

        Raises:
            NotFound: no active peer ``name``.
        """
        actor.require(Permission.USERS_MANAGE)
        self.store.remove_peer(name)
        self.accounts.set_active(actor, peer_email(name), False)
        self._audit(actor, "federation.peer.removed", name, {})

    def peers(self, actor: Principal, include_removed: bool = False) -> Sequence[Peer]:
        """Peers by name (their ``token`` is blanked: it is never shown)."""
        actor.require(Permission.USERS_MANAGE)
        return [
            Peer(**{**p.__dict__, "token": ""})
            for p in self.store.peers(include_removed=include_removed)
        ]

    def has_token(self, actor: Principal, name: str) -> bool:
        """Whether we hold a token to call peer ``name`` (``NotFound`` for no such peer)."""
        actor.require(Permission.USERS_MANAGE)
        peer = self.store.get_peer(name)
        if peer is None:
            raise NotFound(f"no peer named {name}")
        return bool(peer.token)

    def add_group(self, actor: Principal, name: str, tlp: Tlp, description: str = "") -> None:
        """Add a sharing group whose objects are marked at most ``tlp``.

        Raises:
            InvalidInput: naming ``name``.
            Conflict: the name is taken.
        """
        actor.require(Permission.USERS_MANAGE)
        group = SharingGroup(check_name(name), tlp, description.strip(), utcnow())
        self.store.add_group(group)
        self._audit(actor, "federation.group.added", name, {"tlp": tlp.value})

    def groups(self, actor: Principal) -> Sequence[tuple[SharingGroup, Sequence[str]]]:
        """Every group with its members' names."""
        actor.require(Permission.USERS_MANAGE)
        return [(g, self.store.members(g.name)) for g in self.store.groups()]

    def join(self, actor: Principal, group: str, peer: str) -> bool:
        """Make ``peer`` a member of ``group``; False when it was one (``NotFound``: no
        such group or active peer)."""
        actor.require(Permission.USERS_MANAGE)
        joined = self.store.join(group, peer)
        if joined:
            self._audit(actor, "federation.group.joined", group, {"peer": peer})
        return joined

    def leave(self, actor: Principal, group: str, peer: str) -> bool:
        """Remove ``peer`` from ``group``; False when it was not a member."""
        actor.require(Permission.USERS_MANAGE)
        left = self.store.leave(group, peer)
        if left:
            self._audit(actor, "federation.group.left", group, {"peer": peer})
        return left

    def _audit(self, actor: Principal, verb: str, target: str, payload: dict[str, str]) -> None:
        who = actor.user_id or "anonymous"
        self.audit.append(AuditRecord(who, verb, target, utcnow(), payload))


def _checked(new: PeerIn) -> Peer:
    name = check_name(new.name)
    url = new.url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) > 500 or " " in url:
        raise InvalidInput("url", "must be the peer node's http(s) base URL")
    origin = new.log_origin.strip()
    if not origin or len(origin) > 300 or any(c.isspace() for c in origin):
        raise InvalidInput("log_origin", "must be the peer log's origin line (no spaces)")
    for field, vkey in (("log_vkey", new.log_vkey), ("witness_vkey", new.witness_vkey)):
        if field == "log_vkey" or vkey.strip():
            _check_vkey(field, vkey)
    return Peer(
        name=name,
        url=url,
        log_origin=origin,
        log_vkey=new.log_vkey.strip(),
        state=state_code(new.state),
        account_id="",
        added_at=utcnow(),
        witness_vkey=new.witness_vkey.strip(),
        token=new.token.strip(),
    )


def _check_vkey(field: str, vkey: str) -> None:
    try:
        verifier_from_vkey(vkey.strip())
    except InvalidInput as exc:
        raise InvalidInput(field, exc.reason) from exc


def _shown(peer: Peer) -> dict[str, str]:
    return {
        "url": peer.url,
        "log_origin": peer.log_origin,
        "state": peer.state,
        "witness": "yes" if peer.witness_vkey else "no",
    }

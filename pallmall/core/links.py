"""An account organisation's link to its registry organisation.

A vendor account files licence applications; due diligence checks the applicant like every
party, by the registry organisation it is (its designations, ownership, the products it
develops or resells). The link is set by a regulator or an admin, or claimed by the
account itself and then confirmed by a regulator or an admin; only a confirmed link counts
in due diligence (a claim is what the vendor says, not yet what the node knows). Every
change leaves an audit record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pallmall.core.accounts import AccountOrg
from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import AccountKind, Permission, Principal
from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated


class LinkStatus(StrEnum):
    """Whether the node stands behind the link; persisted."""

    CLAIMED = "claimed"
    CONFIRMED = "confirmed"


@dataclass(frozen=True)
class RegistryLink:
    """``account_id`` is the registry organisation ``registry_id``: ``status``, who set or
    claimed it (``by``, a user id) and when, and who confirmed it (empty until then)."""

    account_id: str
    registry_id: str
    status: LinkStatus
    by: str
    at: datetime
    confirmed_by: str = ""


class LinkStore(Protocol):
    """Storage of account-to-registry links."""

    def account(self, account_id: str) -> AccountOrg | None:
        """The account organisation, or None."""

    def link_of(self, account_id: str) -> RegistryLink | None:
        """The account's link, or None."""

    def put_link(self, link: RegistryLink) -> None:
        """Store ``link`` as the account's only link (replacing any)."""

    def links(self) -> list[RegistryLink]:
        """Every link, by account id."""


@dataclass
class LinkService:
    """Links over one unit of work. ``organisation(registry_id)`` is the name of the registry
    organisation with that id, or None when the registry holds no such organisation."""

    store: LinkStore
    audit: AuditSink
    organisation: Callable[[str], str | None]
    clock: Callable[[], datetime] = utcnow

    def link(self, actor: Principal, account_id: str, registry_id: str) -> RegistryLink:
        """Link ``account_id`` to ``registry_id``, confirmed (a regulator or an admin).

        Raises:
            Unauthenticated/Forbidden: without ``cases:decide`` or ``users:manage``.
            NotFound: no such account.
            InvalidInput: naming ``registry_id`` when it is not a registry organisation.
        """
        _require_confirmer(actor)
        self._account(account_id)
        self._organisation(registry_id)
        user = actor.user_id or ""
        link = RegistryLink(
            account_id, registry_id, LinkStatus.CONFIRMED, user, self.clock(), confirmed_by=user
        )
        return self._put(actor, "account.link.set", link)

    def claim(self, actor: Principal, registry_id: str) -> RegistryLink:
        """The actor's own vendor account claims to be ``registry_id`` (to be confirmed).

        Raises:
            Unauthenticated/Forbidden: not a vendor account with ``cases:file``.
            Conflict: the account already has a confirmed link (a regulator changes it).
            InvalidInput: naming ``registry_id`` when it is not a registry organisation.
        """
        actor.require(Permission.CASES_FILE)
        if actor.account_kind is not AccountKind.VENDOR or not actor.account_id:
            raise Forbidden("only a vendor account claims its registry organisation")
        self._organisation(registry_id)
        current = self.store.link_of(actor.account_id)
        if current is not None and current.status is LinkStatus.CONFIRMED:
            raise Conflict(
                f"account {actor.account_id} is linked to {current.registry_id} (confirmed); "
                "a regulator or an admin changes it"
            )
        link = RegistryLink(
            actor.account_id, registry_id, LinkStatus.CLAIMED, actor.user_id or "", self.clock()
        )
        return self._put(actor, "account.link.claimed", link)

    def confirm(self, actor: Principal, account_id: str) -> RegistryLink:
        """Confirm the account's claim (a regulator or an admin).

        Raises:
            Unauthenticated/Forbidden: without ``cases:decide`` or ``users:manage``.
            NotFound: the account has made no claim.
            Conflict: its link is already confirmed.
        """
        _require_confirmer(actor)
        current = self.store.link_of(account_id)
        if current is None:
            raise NotFound(f"account {account_id} has claimed no registry organisation")
        if current.status is LinkStatus.CONFIRMED:
            raise Conflict(f"account {account_id}'s link is already confirmed")
        link = RegistryLink(
            account_id,
            current.registry_id,
            LinkStatus.CONFIRMED,
            current.by,
            self.clock(),
            actor.user_id or "",
        )
        return self._put(actor, "account.link.confirmed", link)

    def all(self, actor: Principal) -> list[RegistryLink]:
        """Every link (regulators, oversight, admins).

        Raises:
            Unauthenticated/Forbidden: anyone else.
        """
        _require_confirmer(actor, also=(Permission.CASES_OVERSEE,))
        return self.store.links()

    def get(self, actor: Principal, account_id: str) -> RegistryLink | None:
        """The account's link: for its own members, regulators, oversight and admins.

        Raises:
            Unauthenticated/Forbidden: anyone else.
        """
        if actor.account_id != account_id:
            _require_confirmer(actor, also=(Permission.CASES_OVERSEE,))
        return self.store.link_of(account_id)

    def _account(self, account_id: str) -> AccountOrg:
        found = self.store.account(account_id)
        if found is None:
            raise NotFound(f"no account {account_id!r}")
        return found

    def _organisation(self, registry_id: str) -> str:
        name = self.organisation(registry_id)
        if name is None:
            raise InvalidInput("registry_id", f"no registry organisation {registry_id!r}")
        return name

    def _put(self, actor: Principal, verb: str, link: RegistryLink) -> RegistryLink:
        self.store.put_link(link)
        payload = {"registry_id": link.registry_id, "status": link.status.value}
        record = AuditRecord(actor.user_id or "anonymous", verb, link.account_id, link.at, payload)
        self.audit.append(record)
        return link


def _require_confirmer(actor: Principal, also: tuple[Permission, ...] = ()) -> None:
    """Raise unless the actor is a regulator (``cases:decide``) or an admin (``users:manage``),
    or holds one of ``also``."""
    wanted = (Permission.CASES_DECIDE, Permission.USERS_MANAGE, *also)
    if any(actor.can(p) for p in wanted):
        return
    if actor.is_anonymous:
        raise Unauthenticated("sign in to manage registry links")
    raise Forbidden(f"role {actor.role.value!r} may not manage registry links")

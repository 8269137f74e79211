"""``/api/v1/registry-links``: which registry organisation an account is (the applicant of
its licence applications is checked as that organisation). A regulator or an admin sets a
link, or confirms the one a vendor account claimed for itself."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pallmall.api import problems
from pallmall.api.deps import Caller, Reading, Writing
from pallmall.core.errors import NotFound
from pallmall.core.links import LinkStatus, RegistryLink
from pallmall.wiring import link_service

router = APIRouter(prefix="/api/v1/registry-links", tags=["accounts"], responses=problems.RESPONSES)


class LinkIn(BaseModel):
    """The registry organisation (its record id) an account is."""

    registry_id: str = Field(min_length=1, max_length=64)


class LinkOut(BaseModel):
    """An account's link: ``confirmed`` links count in due diligence, ``claimed`` ones wait
    for a regulator or an admin."""

    account_id: str
    registry_id: str
    status: LinkStatus
    by: str
    at: datetime
    confirmed_by: str


def _out(link: RegistryLink) -> LinkOut:
    return LinkOut(**link.__dict__)


@router.get("", response_model=list[LinkOut])
def list_links(caller: Caller, tx: Reading) -> list[LinkOut]:
    """Every account's link, claims awaiting confirmation among them (regulators, admins)."""
    return [_out(link) for link in link_service(tx).all(caller)]


@router.post("/claim", response_model=LinkOut)
def claim(body: LinkIn, caller: Caller, tx: Writing) -> LinkOut:
    """The caller's vendor account claims to be ``registry_id`` (to be confirmed)."""
    return _out(link_service(tx).claim(caller, body.registry_id))


@router.get("/{account_id}", response_model=LinkOut)
def get_link(account_id: str, caller: Caller, tx: Reading) -> LinkOut:
    """The account's link (its own members, regulators, oversight, admins)."""
    link = link_service(tx).get(caller, account_id)
    if link is None:
        raise NotFound(f"account {account_id!r} is linked to no registry organisation")
    return _out(link)


@router.put("/{account_id}", response_model=LinkOut)
def set_link(account_id: str, body: LinkIn, caller: Caller, tx: Writing) -> LinkOut:
    """Link the account to ``registry_id``, confirmed (regulators, admins)."""
    return _out(link_service(tx).link(caller, account_id, body.registry_id))


@router.post("/{account_id}/confirm", response_model=LinkOut)
def confirm(account_id: str, caller: Caller, tx: Writing) -> LinkOut:
    """Confirm the account's claim (regulators, admins)."""
    return _out(link_service(tx).confirm(caller, account_id))

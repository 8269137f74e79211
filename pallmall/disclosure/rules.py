"""The disclosure rules: who may read what, decided on markings alone.

Every output that leaves the node asks these functions, never its own test of a visibility or a
TLP label. Inputs are facts the capability knows about its subject (:class:`Sensitivity`) and
about the reader (:class:`Reader`); the answer does not depend on which output asks.

The rules (DESIGN.md, trust rules):

- A subject is *public* when it is marked public, is TLP:CLEAR, and every record it points at is
  public: a relationship is as restricted as its most restricted end; an incident attributed to a
  restricted record is restricted where it names it; a case about a restricted product is
  restricted where it names it.
- TLP: CLEAR may be public; GREEN stays in its community; AMBER, AMBER+STRICT and RED never reach
  the public log or a public collection. Readers of anything above CLEAR need intel's restricted
  read (``intel:read_restricted``).
- Registry visibility: a restricted record, relationship or source is read only with
  ``registry:read_restricted``.
- A source (of a record, relationship, incident or attribution) has a visibility of its own: a
  public record may cite a source that stays restricted.
- Held material (an incident's restricted details, say) has *holders*: the accounts that own it
  and those it is explicitly shared with. Only a holder or an overseer (``intel:oversee``, the
  independent oversight body) reads it, whatever else the reader is cleared for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pallmall.core.auth import Permission, Principal
from pallmall.disclosure.marking import Tlp, Visibility

T = TypeVar("T")


@dataclass(frozen=True)
class Reader:
    """Who reads an output: what restricted material they are cleared for.

    ``registry_restricted``: restricted registry records, relationships and sources.
    ``tlp_ceiling``: the most restricted TLP label they may read.
    ``holder_ids``: who they hold material as (their account's id, their user id, and
    ``state:XX`` for the state their account acts for).
    ``overseer``: reads held material whoever holds it (the oversight body, the node).
    The default reader is the public: the log, anonymous callers, public exports.
    """

    registry_restricted: bool = False
    tlp_ceiling: Tlp = Tlp.CLEAR
    holder_ids: frozenset[str] = frozenset()
    overseer: bool = False

    @classmethod
    def of(cls, principal: Principal) -> Reader:
        """The reader a signed-in (or anonymous) principal is."""
        intel = principal.can(Permission.INTEL_READ_RESTRICTED)
        return cls(
            registry_restricted=principal.can(Permission.REGISTRY_READ_RESTRICTED),
            tlp_ceiling=Tlp.RED if intel else Tlp.CLEAR,
            holder_ids=frozenset(
                i for i in (principal.account_id, principal.user_id, state_holder(principal)) if i
            ),
            overseer=principal.can(Permission.INTEL_OVERSEE),
        )

    @property
    def is_public(self) -> bool:
        """Whether this reader is cleared for nothing beyond what is public (holding alone
        clears nothing: held material is read within a clearance, never instead of one)."""
        return not self.registry_restricted and self.tlp_ceiling is Tlp.CLEAR and not self.overseer


def state_holder(principal: Principal) -> str | None:
    """The holder id of the state ``principal``'s account acts for (``state:GB``), or None:
    material shared with a state is held by every body of that state."""
    return f"state:{principal.state}" if principal.state else None


PUBLIC = Reader()
"""The public: the transparency log, anonymous callers, public exports and collections."""
NODE = Reader(registry_restricted=True, tlp_ceiling=Tlp.RED, overseer=True)
"""The node itself and readers cleared for everything (an operator's full export)."""


def peer_group(tlp: Tlp) -> Reader:
    """What a sharing group of peer nodes (other states) may read: material up to the
    group's TLP ``tlp``, nothing of the registry's restricted material, nothing held by
    anyone on this node (a peer holds nothing here), no oversight."""
    return Reader(tlp_ceiling=tlp)


@dataclass(frozen=True)
class Sensitivity:
    """What makes a subject sensitive: its own visibility, its TLP label, the visibility
    of every record it points at (``refs``), and who holds it (``holders``: account or user
    ids; None when it is not held by anyone in particular)."""

    visibility: Visibility = Visibility.PUBLIC
    tlp: Tlp = Tlp.CLEAR
    refs: tuple[Visibility, ...] = ()
    holders: frozenset[str] | None = None

    @property
    def visibilities(self) -> tuple[Visibility, ...]:
        """The subject's visibility and those of the records it points at."""
        return (self.visibility, *self.refs)

    @property
    def is_public(self) -> bool:
        """Whether the public may read the subject (see the module's rules)."""
        return may_read(PUBLIC, self)


PUBLIC_SUBJECT = Sensitivity()


def may_read(reader: Reader, sensitivity: Sensitivity) -> bool:
    """Whether ``reader`` may read a subject of ``sensitivity``."""
    if not reader.tlp_ceiling.allows(sensitivity.tlp):
        return False
    held = sensitivity.holders is not None
    if held and not reader.overseer and not reader.holder_ids & (sensitivity.holders or set()):
        return False
    restricted = any(v is Visibility.RESTRICTED for v in sensitivity.visibilities)
    return reader.registry_restricted or not restricted


@dataclass(frozen=True)
class Part(Generic[T]):
    """One item of a list (a source, an attribution) with a sensitivity of its own."""

    value: T
    sensitivity: Sensitivity = PUBLIC_SUBJECT


def readable(reader: Reader, parts: Iterable[Part[T]]) -> list[T]:
    """The values of ``parts`` that ``reader`` may read, in order."""
    return [p.value for p in parts if may_read(reader, p.sensitivity)]


def split(reader: Reader, parts: Iterable[Part[T]]) -> tuple[list[T], list[T]]:
    """``parts`` split into the values ``reader`` may read and those it may not (order kept)."""
    shown: list[T] = []
    held: list[T] = []
    for part in parts:
        (shown if may_read(reader, part.sensitivity) else held).append(part.value)
    return shown, held


def most_restricted(visibilities: Sequence[Visibility]) -> Visibility:
    """RESTRICTED if any of ``visibilities`` is, else PUBLIC."""
    restricted = any(v is Visibility.RESTRICTED for v in visibilities)
    return Visibility.RESTRICTED if restricted else Visibility.PUBLIC

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
    The default reader is the public: the log, anonymous callers, public exports.
    """

    registry_restricted: bool = False
    tlp_ceiling: Tlp = Tlp.CLEAR

    @classmethod
    def of(cls, principal: Principal) -> Reader:
        """The reader a signed-in (or anonymous) principal is."""
        intel = principal.can(Permission.INTEL_READ_RESTRICTED)
        return cls(
            registry_restricted=principal.can(Permission.REGISTRY_READ_RESTRICTED),
            tlp_ceiling=Tlp.RED if intel else Tlp.CLEAR,
        )

    @property
    def is_public(self) -> bool:
        """Whether this reader is cleared for nothing beyond what is public."""
        return not self.registry_restricted and self.tlp_ceiling is Tlp.CLEAR


PUBLIC = Reader()
"""The public: the transparency log, anonymous callers, public exports and collections."""
NODE = Reader(registry_restricted=True, tlp_ceiling=Tlp.RED)
"""The node itself and readers cleared for everything (an operator's full export)."""


@dataclass(frozen=True)
class Sensitivity:
    """What makes a subject sensitive: its own visibility, its TLP label, and the visibility
    of every record it points at (``refs``)."""

    visibility: Visibility = Visibility.PUBLIC
    tlp: Tlp = Tlp.CLEAR
    refs: tuple[Visibility, ...] = ()

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

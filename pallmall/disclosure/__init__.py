"""What goes public: the one place that decides, for every output that leaves the node.

- :mod:`.marking`: the markings decisions read (visibility, TLP).
- :mod:`.rules`: who may read what (:class:`Reader`, :class:`Sensitivity`, :class:`Part`).
- :mod:`.kinds`: the vocabulary of log entry kinds and each field's treatment.
- :mod:`.gate`: the public change for the log (:func:`gate`) and the publisher's check.

Domain code: imports only ``pallmall.core``. See docs/disclosure.md.
"""

from pallmall.disclosure.gate import WITHHELD_PREFIX, check_change, gate
from pallmall.disclosure.kinds import ENTRY_KINDS, EntryKind, Treatment, entry_kind
from pallmall.disclosure.marking import Tlp, Visibility
from pallmall.disclosure.rules import (
    NODE,
    PUBLIC,
    PUBLIC_SUBJECT,
    Part,
    Reader,
    Sensitivity,
    may_read,
    most_restricted,
    peer_group,
    readable,
    split,
)

__all__ = [
    "ENTRY_KINDS",
    "NODE",
    "PUBLIC",
    "PUBLIC_SUBJECT",
    "WITHHELD_PREFIX",
    "EntryKind",
    "Part",
    "Reader",
    "Sensitivity",
    "Tlp",
    "Treatment",
    "Visibility",
    "check_change",
    "entry_kind",
    "gate",
    "may_read",
    "most_restricted",
    "peer_group",
    "readable",
    "split",
]

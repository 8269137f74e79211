"""Checking an opening against the log: that each decision it reveals was committed to, in
an entry about the same vulnerability, before the opening.

Works on entry bytes alone (from a verified log: ``pallmall equities verify`` audits the log
with its verifier key first), so anyone can run it without trusting the node.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pallmall.disclosure.kinds import EQUITIES_COMMITTED, EQUITIES_OPENED
from pallmall.equities.publish import OPENED_FIELD
from pallmall.log import CommitmentError, Disclosure, Entry, check_disclosure
from pallmall.log.entry import DisclosedField


@dataclass(frozen=True)
class OpenedDecision:
    """A decision an opening revealed, checked against its commitment in entry ``index``
    (logged at ``time``, RFC 3339 UTC)."""

    index: int
    time: str
    subject: str
    outcome: str
    decision: Mapping[str, Any]


def verify_opening(
    opening: Entry, index: int, entry_at: Callable[[int], bytes]
) -> list[OpenedDecision]:
    """Check the opening ``opening`` (the entry at ``index``) against the entries it opens.

    ``entry_at`` returns the bytes of the log entry at an index (of a log already verified).

    Raises:
        CommitmentError: ``opening`` is not an opening; an opened entry comes at or after it,
            is not a decision commitment of the same subject, or its commitment does not
            match the salt and value given; or the revealed outcome is not the logged one.
    """
    if opening.kind != EQUITIES_OPENED:
        raise CommitmentError(f"entry {index} is a {opening.kind!r}, not an opening")
    items = opening.public.get("openings")
    if not isinstance(items, list) or not items:
        raise CommitmentError(f"entry {index} opens nothing")
    return [_check(opening, index, item, entry_at) for item in items]


def _check(
    opening: Entry, index: int, item: Any, entry_at: Callable[[int], bytes]
) -> OpenedDecision:
    try:
        at = int(item["index"])
        leaf = base64.b64decode(str(item["leaf_hash"]), validate=True)
        salt = base64.b64decode(str(item[OPENED_FIELD]["salt"]), validate=True)
        value = item[OPENED_FIELD]["value"]
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise CommitmentError(f"malformed opening item: {exc}") from exc
    if not 0 <= at < index:
        raise CommitmentError(f"an opening may only open earlier entries, not {at}")
    disclosure = Disclosure(leaf, {OPENED_FIELD: DisclosedField(value, salt)})
    parsed = check_disclosure(entry_at(at), disclosure)
    if parsed.kind != EQUITIES_COMMITTED or parsed.subject != opening.subject:
        raise CommitmentError(f"entry {at} is not a decision on {opening.subject}")
    outcome = parsed.public.get("outcome")
    if not isinstance(value, Mapping) or value.get("outcome") != outcome:
        raise CommitmentError(f"entry {at}: the opened decision's outcome is not the logged one")
    return OpenedDecision(at, parsed.time, parsed.subject, str(outcome), value)

"""The disclosure gate for the transparency log: every public change is made here.

A capability hands the gate everything it knows about a change (every field, whatever its
sensitivity) and the facts that make it sensitive; the gate returns the
:class:`~pallmall.core.changes.PublicChange` that may wait in the outbox: public fields, fields
to commit to, and nothing of what never leaves the node. The publisher checks each change again
with :func:`check_change` before appending it: the log never forgets, so it is checked before,
not after.

When the subject is not public (restricted, above TLP:CLEAR, or pointing at a restricted record),
even its id stays off the log: the entry's subject is a fresh random pseudonym
(``withheld-<32 hex>``) and the real id is committed as the field ``subject``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pallmall.core.changes import PublicChange
from pallmall.core.errors import InvalidInput
from pallmall.disclosure.kinds import (
    RESTRICTED_SUFFIX,
    SUBJECT_FIELD,
    Treatment,
    entry_kind,
)
from pallmall.disclosure.rules import PUBLIC, Part, Sensitivity, split

WITHHELD_PREFIX = "withheld-"


def gate(
    kind: str,
    subject: str,
    at: datetime,
    fields: Mapping[str, Any],
    sensitivity: Sensitivity,
) -> PublicChange:
    """The public change for ``fields`` of ``subject``, as the vocabulary and rules decide.

    ``fields`` holds JSON values, except fields the vocabulary treats as
    :attr:`~.Treatment.ITEMS`, which hold a sequence of :class:`~.rules.Part` of JSON values.

    Raises:
        InvalidInput: ``kind`` is not in the vocabulary, a field is not declared for it, or an
            items field does not hold parts (a programming error: nothing is published).
    """
    spec = entry_kind(kind)
    undeclared = sorted(set(fields) - set(spec.fields))
    if undeclared:
        raise InvalidInput("fields", f"not declared for {kind}: {undeclared}")
    public_subject = sensitivity.is_public
    public: dict[str, Any] = {}
    committed: dict[str, Any] = {}
    for name, value in fields.items():
        treatment = spec.fields[name]
        if treatment is Treatment.ITEMS:
            shown, held = _items(name, value, public_subject)
            if public_subject:
                public[name] = shown
            if held:
                committed[name + RESTRICTED_SUFFIX] = held
        elif treatment is Treatment.ENVELOPE or (treatment is Treatment.PUBLIC and public_subject):
            public[name] = _plain(name, value)
        elif treatment is not Treatment.WITHHELD:
            committed[name] = _plain(name, value)
    if not public_subject:
        committed[SUBJECT_FIELD] = subject
        subject = WITHHELD_PREFIX + secrets.token_hex(16)
    return PublicChange(kind, subject, at, public, committed)


def check_change(change: PublicChange) -> None:
    """Check a change against the vocabulary before it is appended to the log.

    Raises:
        InvalidInput: unknown kind, or a public or committed field its kind does not allow
            there (a change that did not come through :func:`gate`).
    """
    spec = entry_kind(change.kind)
    stray = sorted(set(change.public) - spec.public_names())
    if stray:
        raise InvalidInput("public", f"fields not public in {change.kind}: {stray}")
    stray = sorted(set(change.confidential) - spec.committed_names())
    if stray:
        raise InvalidInput("confidential", f"fields not committed in {change.kind}: {stray}")
    if SUBJECT_FIELD in change.confidential and not change.subject.startswith(WITHHELD_PREFIX):
        raise InvalidInput("subject", "a withheld subject must not appear in the entry")


def _items(name: str, value: Any, public_subject: bool) -> tuple[list[Any], list[Any]]:
    if not isinstance(value, Sequence) or not all(isinstance(p, Part) for p in value):
        raise InvalidInput(name, "an items field holds a sequence of parts")
    if not public_subject:
        return [], [p.value for p in value]
    return split(PUBLIC, value)


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, Part) or (
        isinstance(value, list | tuple) and any(isinstance(v, Part) for v in value)
    ):
        raise InvalidInput(name, "parts belong in an items field")
    return value

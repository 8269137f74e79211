"""What a log entry is about, in words, for the log explorer: the kind's description, the
subject's name and a link to its public page.

Only what already passed the disclosure gate is used: the entry's public part (a name is
there only when the subject is public), and registry names of records that are public now.
A subject the gate withheld stays an id, never a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pallmall.disclosure import ENTRY_KINDS
from pallmall.registry.model import Visibility
from pallmall.registry.store import RegistryStore

_PAGES = {"org": "/records/", "per": "/records/", "prd": "/records/", "inc": "/incidents/"}
_PAGES |= {"rpt": "/reports/"}


@dataclass(frozen=True)
class EntryAbout:
    """An entry in words: what kind of change (``what``), about whom or what (``name``, or
    an empty string when nothing public names it) and where its public page is (``link``)."""

    what: str
    name: str
    link: str


def describe(
    kind: str, subject: str, public: Mapping[str, Any], registry: RegistryStore
) -> EntryAbout:
    """What the entry of ``kind`` about ``subject`` with public part ``public`` is about."""
    found = ENTRY_KINDS.get(kind)
    what = found.about if found else kind
    name = _name(subject, public, registry)
    prefix = subject.split("-", 1)[0]
    link = _PAGES[prefix] + subject if prefix in _PAGES and name else ""
    if kind.startswith("registry.relationship.") and not name:
        ends = [_public_name(public.get(e), registry) for e in ("source_id", "target_id")]
        if all(ends):
            rel = str(public.get("type", "")).replace("_", " ")
            name = f"{ends[0]} {rel} {ends[1]}"
    return EntryAbout(what, name, link)


def _name(subject: str, public: Mapping[str, Any], registry: RegistryStore) -> str:
    for field in ("name", "title"):
        value = public.get(field)
        if isinstance(value, str) and value:
            return value
    if "state" in public and "period" in public:
        return f"{public['state']}, {public['period']}"
    return _public_name(subject, registry)


def _public_name(record_id: object, registry: RegistryStore) -> str:
    if not isinstance(record_id, str) or not record_id:
        return ""
    stored = registry.get(record_id)
    if stored is None or stored.record.visibility is not Visibility.PUBLIC:
        return ""
    return stored.record.name

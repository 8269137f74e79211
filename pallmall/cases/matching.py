"""Whether two party names on two licence applications name one party (the no-undercut
check): the same folded name, or the screening name matcher's alert.

A plain function over :func:`pallmall.screening.compare_entry` rather than a method on the
:class:`~pallmall.cases.ports.ScreeningFacts` port: ``compare_entry`` scores one party
against one entry without a built :class:`~pallmall.screening.Screener`, so the check
works the same whether or not a restricted-party list is loaded, and needs no adapter.
"""

from __future__ import annotations

from dataclasses import replace

from pallmall.cases.model import CaseParty
from pallmall.registry.names import name_key
from pallmall.screening import (
    EntryName,
    EntrySchema,
    ListEntry,
    Party,
    ScreeningSettings,
    SnapshotInfo,
    compare_entry,
)

_SCREENING = ScreeningSettings()

UNDERCUT_SETTINGS = replace(_SCREENING, names=replace(_SCREENING.names, conflict_below=0.8))
"""The screener's settings (its alert threshold, feature weights), except that two paired
words less than 0.8 alike count as different words, not as a weak match. Screening lets
``Northern`` ~ ``Southern`` (0.75) through as a likely typo, which suits an alert that a
person reviews; here a match raises a high finding that recommends denial, so one edit in a
short word, or two in a long one, is a different party. Typos and transliterations score
0.8 or more per word (``Frieght`` ~ ``Freight`` 0.86, ``Teknolodzhiz`` ~ ``Technologies``
0.85), and persons' given-name variants (``Ivan`` ~ ``Iwan``) are credited as such."""

# An application does not say whether a party is a person or an organisation, so the
# earlier name is read both ways: organisation rules fold legal forms and weigh an extra
# word heavily; person rules know given-name variants and forgive a middle name.
_READINGS = (EntrySchema.ORGANIZATION, EntrySchema.PERSON)
_SNAPSHOT = SnapshotInfo("cases", "prior-denials", None, "a party of an earlier application")


def party_key(name: str) -> str:
    """The key two spellings of one party share when they differ only in case, accents,
    punctuation or word order."""
    return " ".join(sorted(name_key(name).split()))


def same_party(
    party: CaseParty, earlier: CaseParty, settings: ScreeningSettings = UNDERCUT_SETTINGS
) -> float | None:
    """How surely ``party`` and ``earlier`` name one party, or None when they do not.

    1.0 when their :func:`party_key` is equal (cheap, and catches names the matcher has no
    words for); else the screening score of ``party`` against ``earlier`` as a one-name
    pseudo entry, read as an organisation and as a person (the better reading counts),
    with both countries as evidence when known; a match when it reaches
    ``settings.threshold`` (the screener's alert threshold).
    """
    if party_key(party.name) == party_key(earlier.name):
        return 1.0
    query = Party(party.name, countries=(party.country,) if party.country else ())
    scores = [_score(query, earlier, schema, settings) for schema in _READINGS]
    best = max(scores)
    return best if best >= settings.threshold else None


def _score(
    query: Party, earlier: CaseParty, schema: EntrySchema, settings: ScreeningSettings
) -> float:
    entry = ListEntry(
        list_id=_SNAPSHOT.list_id,
        entry_id=earlier.name,
        schema=schema,
        names=(EntryName(earlier.name),),
        countries=(earlier.country.lower(),) if earlier.country else (),
    )
    hit = compare_entry(query, entry, _SNAPSHOT, settings)
    return hit.score if hit is not None else 0.0

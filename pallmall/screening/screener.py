"""The screener: the loaded list snapshots, their candidate index, and ``screen(party)``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from pallmall.screening.explanation import (
    ALGORITHM,
    Feature,
    Hit,
    ScreeningResult,
    SnapshotAge,
)
from pallmall.screening.index import CandidateIndex, IndexedName
from pallmall.screening.model import EntrySchema, ListEntry, LoadReport, SnapshotInfo
from pallmall.screening.scorer import (
    Party,
    PreparedParty,
    ScreeningSettings,
    best_name,
    compatible,
    contributions,
    prepare,
    total,
)

# Loads what the first screen would otherwise load (rigour's name, legal-form and
# territory tables: several seconds), so that building a Screener pays it, not a query.
_WARM_UP = Party(
    "AO Example Trading LLC",
    aliases=("Ivan Ivanovich Petrov", "MV Example"),
    countries=("Russia",),
    birth_date="1970-01-01",
    identifiers=("IMO 1234567",),
)
# a person's name: its given-name symbols load rigour's person-name tagger
_WARM_UP_PERSON = Party("Ivan Ivanovich Petrov", EntrySchema.PERSON)


def load_reference_data(person_names: bool = True) -> None:
    """Load the matcher's reference data into this process (rigour's legal-form and
    transliteration tables, the shipped territory tables; with ``person_names`` rigour's
    person-name tagger too: seconds of CPU and a few hundred MB). What it loads is held per
    process (module caches), so a process that forks after calling it hands it to its
    children (``pallmall serve --workers N``). Idempotent; cheap once loaded."""
    prepare(_WARM_UP)
    if person_names:
        prepare(_WARM_UP_PERSON).queries(EntrySchema.PERSON)


class Screener:
    """Screens parties against the given list snapshots (one per list: when two share a
    ``list_id`` the later one wins). Build once, screen many times; thread-safe reads.

    Building normalises and indexes every list name and loads the reference data the
    matcher needs, so the first screen costs what any other does."""

    def __init__(
        self, reports: Sequence[LoadReport], settings: ScreeningSettings | None = None
    ) -> None:
        self.warmed = False
        self.warm_up()
        self.settings = settings or ScreeningSettings()
        current = {r.snapshot.list_id: r for r in reports}
        self.snapshots: tuple[SnapshotInfo, ...] = tuple(r.snapshot for r in current.values())
        self._snapshot_of = {r.snapshot.list_id: r.snapshot for r in current.values()}
        entries = [e for r in current.values() for e in r.entries]
        self.index = CandidateIndex(entries)

    @classmethod
    def over_index(
        cls,
        index: CandidateIndex,
        snapshots: Sequence[SnapshotInfo],
        settings: ScreeningSettings | None = None,
    ) -> Screener:
        """A screener over an index already built (mapped back from disk by
        :func:`pallmall.screening.index_files.open_index`): nothing is normalised or
        warmed up, so it is ready at once; rigour's tables load on the first screen."""
        screener = cls.__new__(cls)
        screener.warmed = False
        screener.settings = settings or ScreeningSettings()
        screener.snapshots = tuple(snapshots)
        screener._snapshot_of = {s.list_id: s for s in snapshots}
        screener.index = index
        return screener

    def warm_up(self, person_names: bool = True) -> None:
        """Load the reference data the matcher needs (rigour's legal-form and
        transliteration tables; with ``person_names`` its person-name tagger too: several
        seconds of CPU holding the GIL, and a few hundred MB), so that the next screen
        costs what any other does. A one-shot command skips it: a screen loads what its
        party needs (an organisation's name never needs the person-name tables)."""
        load_reference_data(person_names)
        self.warmed = True

    @property
    def entry_count(self) -> int:
        """How many list entries the screener holds."""
        return len(self.index.entries)

    def screen(self, party: Party, *, today: date | None = None) -> ScreeningResult:
        """Screen one party. ``today`` (default: the system date) dates the result and
        ages the snapshots. Hits come strongest first: by score, then name score, then
        the amount of corroborating evidence, then list and entry id (deterministic)."""
        today = today or date.today()
        prepared = prepare(party)
        ages = tuple(SnapshotAge(s, _age(s, today)) for s in self.snapshots)
        age_of = {a.snapshot.list_id: a.age_days for a in ages}
        hits = [
            replace(h, list_age_days=age_of.get(h.list_id))
            for h in self._hits(prepared)
            if self._reported(h)
        ]
        hits.sort(key=_rank)
        return ScreeningResult(
            query=party.name,
            screened_on=today,
            threshold=self.settings.threshold,
            algorithm=ALGORITHM,
            hits=tuple(hits[: self.settings.max_hits]),
            snapshots=ages,
        )

    def _reported(self, hit: Hit) -> bool:
        # an identifier match is reported whatever the name score: it may be a renamed entity
        identified = any(c.feature is Feature.IDENTIFIER for c in hit.contributions)
        return identified or hit.score >= self.settings.report_below

    def _hits(self, party: PreparedParty) -> list[Hit]:
        queries = [n for names in party.names.values() for n in names]
        grouped: dict[int, list[IndexedName]] = defaultdict(list)
        for indexed in self.index.candidates(queries, self.settings.candidates):
            grouped[indexed.entry].append(indexed)
        for key in party.identifiers:
            for number in self.index.with_identifier(key):
                grouped.setdefault(number, self.index.names_of(number))
        hits = []
        for number, names in grouped.items():
            entry = self.index.entries[number]
            if compatible(party.party.schema, entry.schema):
                hit = self._hit(party, entry, names)
                if hit is not None:
                    hits.append(hit)
        return hits

    def _hit(self, party: PreparedParty, entry: ListEntry, names: list[IndexedName]) -> Hit | None:
        snapshot = self._snapshot_of[entry.list_id]
        return _score_entry(party, entry, names, snapshot, self.settings)


def compare_entry(
    party: Party,
    entry: ListEntry,
    snapshot: SnapshotInfo,
    settings: ScreeningSettings | None = None,
) -> Hit | None:
    """Score ``party`` against one ``entry`` directly, without an index (for a review
    screen, or to re-check a stored hit). ``None`` when the schemas cannot match."""
    settings = settings or ScreeningSettings()
    if not compatible(party.schema, entry.schema):
        return None
    names = CandidateIndex([entry]).names_of(0)
    return _score_entry(prepare(party), entry, names, snapshot, settings)


def _score_entry(
    party: PreparedParty,
    entry: ListEntry,
    names: list[IndexedName],
    snapshot: SnapshotInfo,
    settings: ScreeningSettings,
) -> Hit | None:
    match = best_name(party, entry, names, settings)
    if match is None:
        return None
    parts = contributions(party, entry, match, settings.features)
    score = total(parts)
    return Hit(
        list_id=entry.list_id,
        entry_id=entry.entry_id,
        entry_name=entry.primary_name,
        schema=entry.schema,
        programmes=entry.programmes,
        listed_on=entry.listed_on,
        snapshot=snapshot,
        score=score,
        threshold=settings.threshold,
        alert=score >= settings.threshold,
        name_match=match,
        contributions=parts,
    )


def _rank(hit: Hit) -> tuple[float, float, float, int, str, str]:
    support = sum(c.value for c in hit.contributions[1:] if c.value > 0)
    strong = sum(1 for c in hit.contributions if c.value > 0)
    return (-hit.score, -hit.name_match.score, -support, -strong, hit.list_id, hit.entry_id)


def _age(snapshot: SnapshotInfo, today: date) -> int | None:
    return (today - snapshot.published).days if snapshot.published else None

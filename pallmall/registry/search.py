"""Ranked name search over registry records: what a journalist types finds the record.

A query is normalised with screening's name machinery (any script to Latin with its
transliteration, legal forms split off with rigour's table of them, generic words such as
"group" weighed low), then compared with every record's name, aliases and
former names. Hits fall in tiers, best first:

1. **exact**: the query and a name fold to the same words once legal forms are set aside
   ("Candiru Ltd" finds "Candiru"); the record's own name before an alias, an alias before
   a former name; identical legal forms before different ones;
2. **token**: every distinctive word of the query is a word of the name, in any order
   ("NSO" finds "NSO Group"); names with fewer other words first;
3. **fuzzy**: every distinctive word of the query is a word of the name, a prefix of one
   (``intel`` for "Intellexa"), a spelling variant within a small edit distance
   ("Intelexa"), or a transliteration variant sharing its consonant skeleton;
4. **part**: the folded query (4 characters or more) is inside a folded name.

Within a tier, better-matching names come first, then the record's name in alphabetical
order, then its id, so that the order is total and the same on every database. Generic words
("group", "technologies") are not required: "NSO Group Technologies" finds "NSO Group".

The index is built once per registry state and held by the caller (storage keeps one per
database and rebuilds it when the registry changes); a query then costs a few dictionary
look-ups and one C-speed edit-distance pass over the vocabulary.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from rigour.names import extract_org_types

from pallmall.registry.model import RecordType, Visibility
from pallmall.registry.names import name_key
from pallmall.registry.store import AnyRecord, RecordQuery
from pallmall.screening.normalisation import GENERIC_ORG, LEGAL_WORDS, PARTICLES, latin, skeleton


class NameKind(StrEnum):
    """Which of a record's names matched."""

    NAME = "name"
    ALIAS = "alias"
    FORMER = "former_name"


class Tier(IntEnum):
    """How a record matched; higher is better."""

    PART = 1
    FUZZY = 2
    TOKEN = 3
    EXACT = 4


# An alias ranks a little below the record's own name, a former name below an alias.
_KIND_COST = {NameKind.NAME: 0.0, NameKind.ALIAS: 0.02, NameKind.FORMER: 0.04}
_SKELETON_SIM = 0.8
_MIN_SKELETON = 6
_PREFIX_SIM = 0.85
_MIN_PREFIX = 3
_MIN_PART = 4
_GENERIC_MISS_COST = 0.05


def allowed_edits(token: str) -> int:
    """Edits (insertions, deletions, substitutions, swaps of neighbours) a query word may
    differ by: none below 4 letters (``nso`` must not find ``iso``), one up to 7, two from 8."""
    if len(token) < 4:
        return 0
    return 1 if len(token) < 8 else 2


@dataclass(frozen=True)
class IndexedName:
    """One name of a record, folded two ways: ``folded`` keeps legal forms (for identity and
    the part tier), ``norm`` is :func:`normalised` (for words)."""

    kind: NameKind
    text: str
    folded: str
    norm: NormalisedName


@dataclass(frozen=True)
class Entry:
    """A searchable record: its id, the fields the facets filter on, and its names."""

    id: str
    type: RecordType
    visibility: Visibility
    designated: bool
    facets: frozenset[tuple[str, str]]
    sort_key: str
    names: tuple[IndexedName, ...]


@dataclass(frozen=True)
class Hit:
    """A record that matched: how (tier), how well within the tier (quality, higher is
    better, at most 1), and which of its names matched."""

    id: str
    tier: Tier
    quality: float
    name: str
    name_kind: NameKind


def record_facets(record: AnyRecord) -> list[tuple[str, str]]:
    """The (facet, value) pairs a record is filtered by: country, kind, capability."""
    pairs = [("country", c) for c in record.jurisdictions]
    pairs += [("kind", k.value) for k in getattr(record, "kinds", ())]
    pairs += [("capability", c.value) for c in getattr(record, "capabilities", ())]
    return list(dict.fromkeys(pairs))


@dataclass(frozen=True)
class Word:
    """One word of a normalised name: its text, consonant skeleton, whether it is generic (a
    particle, a one-letter word or a word many company names share) and its weight."""

    text: str
    skeleton: str
    generic: bool

    @property
    def weight(self) -> float:
        """How much the word identifies a name: 1, or 0.5 for a generic word."""
        return 0.5 if self.generic else 1.0


@dataclass(frozen=True)
class NormalisedName:
    """A name as search compares it: its words (legal forms set aside) and their join."""

    original: str
    words: tuple[Word, ...]
    key: str

    @property
    def weight(self) -> float:
        """The summed weight of the words."""
        return sum(w.weight for w in self.words)


_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bb\u02bc\u02be\u02bf]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")


@lru_cache(maxsize=1 << 16)
def normalised(text: str) -> NormalisedName:
    """``text`` transliterated to lower-case Latin (screening's :func:`latin`), its legal
    forms removed ("Ltd", "S.A.", "OOO", "Zrt"; all of them if nothing else is left, none),
    split into words. Memoised: index rebuilds and repeated queries meet the same names."""
    folded = latin(_APOSTROPHES.sub("", text).replace("&", " and "))
    stripped = folded
    for form, _ in extract_org_types(folded, generic=True):
        if not _ROMAN.match(form):
            stripped = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", " ", stripped)
    raw = [w for w in _NOT_WORD.split(stripped) if w] or [w for w in _NOT_WORD.split(folded) if w]
    if any(w not in LEGAL_WORDS for w in raw):
        raw = [w for w in raw if w not in LEGAL_WORDS]
    words = tuple(
        Word(w, skeleton(w), w in GENERIC_ORG or w in PARTICLES or len(w) == 1) for w in raw
    )
    return NormalisedName(text, words, "".join(raw))


def entry_of(record_id: str, record: AnyRecord) -> Entry:
    """The searchable form of ``record``."""
    named = [(NameKind.NAME, record.name)]
    named += [(NameKind.ALIAS, a) for a in record.aliases]
    named += [(NameKind.FORMER, f) for f in record.former_names]
    seen: set[str] = set()
    names: list[IndexedName] = []
    for kind, text in named:
        if text in seen:
            continue
        seen.add(text)
        names.append(IndexedName(kind, text, name_key(text), normalised(text)))
    return Entry(
        id=record_id,
        type=record.type,
        visibility=record.visibility,
        designated=bool(getattr(record, "designations", ())),
        facets=frozenset(record_facets(record)),
        sort_key=name_key(record.name),
        names=tuple(names),
    )


def matches_filters(entry: Entry, query: RecordQuery) -> bool:
    """Whether ``entry`` passes the query's facets and visibility (its ``q`` aside)."""
    if query.type is not None and entry.type is not query.type:
        return False
    for facet, value in (
        ("kind", query.kind),
        ("country", query.country),
        ("capability", query.capability),
    ):
        if value is not None and (facet, str(value)) not in entry.facets:
            return False
    if query.designated is not None and entry.designated != query.designated:
        return False
    return query.include_restricted or entry.visibility is Visibility.PUBLIC


@dataclass
class _Vocabulary:
    """The words of every indexed name, with where each occurs."""

    postings: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    by_skeleton: dict[str, set[str]] = field(default_factory=dict)
    by_key: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)

    def add(self, entry_index: int, name_index: int, name: NormalisedName) -> None:
        if name.key:
            self.by_key.setdefault(name.key, []).append((entry_index, name_index))
        for token_index, token in enumerate(name.words):
            self.postings.setdefault(token.text, []).append((entry_index, name_index, token_index))
            if len(token.text) >= _MIN_SKELETON:
                self.by_skeleton.setdefault(token.skeleton, set()).add(token.text)

    def seal(self) -> None:
        self.words = sorted(self.postings)

    def similar(self, word: str, skeleton: str) -> dict[str, float]:
        """Vocabulary words ``word`` may stand for, with their similarity in (0, 1]."""
        found: dict[str, float] = {}
        edits = allowed_edits(word)
        if edits:
            for other, distance, _ in process.extract(
                word, self.words, scorer=OSA.distance, score_cutoff=edits, limit=None
            ):
                found[other] = 1.0 - distance / max(len(word), len(other))
        if len(word) >= _MIN_PREFIX:
            start = bisect_left(self.words, word)
            for other in self.words[start:]:
                if not other.startswith(word):
                    break
                found[other] = max(found.get(other, 0.0), _PREFIX_SIM)
        if len(word) >= _MIN_SKELETON:
            for other in self.by_skeleton.get(skeleton, ()):
                found[other] = max(found.get(other, 0.0), _SKELETON_SIM)
        if word in self.postings:
            found[word] = 1.0
        return found


class SearchIndex:
    """Ranked search over a fixed set of entries (see the module's docstring)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: tuple[Entry, ...] = tuple(sorted(entries, key=lambda e: (e.sort_key, e.id)))
        self._vocab = _Vocabulary()
        for ei, entry in enumerate(self.entries):
            for ni, name in enumerate(entry.names):
                self._vocab.add(ei, ni, name.norm)
        self._vocab.seal()
        self._slots = [(ei, ni) for ei, e in enumerate(self.entries) for ni in range(len(e.names))]
        folded = [self.entries[ei].names[ni].folded for ei, ni in self._slots]
        self._haystack = "\n".join(folded)
        self._starts: list[int] = []
        offset = 0
        for text in folded:
            self._starts.append(offset)
            offset += len(text) + 1

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, query: RecordQuery) -> list[Hit]:
        """Entries passing ``query``'s filters and, when it has a ``q``, matching it; ranked
        best first (in name order when there is no ``q``)."""
        text = (query.q or "").strip()
        if not text:
            return [
                Hit(e.id, Tier.EXACT, 1.0, e.names[0].text, NameKind.NAME)
                for e in self.entries
                if matches_filters(e, query)
            ]
        best: dict[int, tuple[Tier, float, int]] = {}
        self._match(normalised(text), self._vocab, best)
        self._match_parts(name_key(text), best)
        ranked = []
        for ei, (tier, quality, ni) in best.items():
            entry = self.entries[ei]
            if matches_filters(entry, query):
                ranked.append((-tier, -quality, ei, entry, ni))
        ranked.sort(key=lambda r: r[:3])
        return [
            Hit(e.id, Tier(-t), round(-q, 4), e.names[ni].text, e.names[ni].kind)
            for t, q, _, e, ni in ranked
        ]

    def _keep(
        self, best: dict[int, tuple[Tier, float, int]], ei: int, ni: int, tier: Tier, q: float
    ) -> None:
        quality = q - _KIND_COST[self.entries[ei].names[ni].kind]
        current = best.get(ei)
        if current is None or (tier, quality) > current[:2]:
            best[ei] = (tier, quality, ni)

    def _match(
        self, query: NormalisedName, vocab: _Vocabulary, best: dict[int, tuple[Tier, float, int]]
    ) -> None:
        if not query.words:
            return
        folded = name_key(query.original)
        for ei, ni in vocab.by_key.get(query.key, ()):
            same_form = self.entries[ei].names[ni].folded == folded
            self._keep(best, ei, ni, Tier.EXACT, 1.0 if same_form else 0.95)
        distinctive = [w for w in query.words if not w.generic]
        required = {w.text for w in (distinctive or query.words)}
        # per name: query word -> best similarity, and which of the name's words matched
        found: dict[tuple[int, int], dict[str, float]] = {}
        covered: dict[tuple[int, int], set[int]] = {}
        for token in query.words:
            for word, sim in vocab.similar(token.text, token.skeleton).items():
                for ei, ni, ti in vocab.postings[word]:
                    sims = found.setdefault((ei, ni), {})
                    if sim > sims.get(token.text, 0.0):
                        sims[token.text] = sim
                    covered.setdefault((ei, ni), set()).add(ti)
        for (ei, ni), sims in found.items():
            if not required <= sims.keys():
                continue
            name = self.entries[ei].names[ni].norm
            words = {w.text for w in query.words}
            mean = sum(sims.values()) / len(words)
            tier = Tier.TOKEN if all(sims.get(w) == 1.0 for w in required) else Tier.FUZZY
            weight = name.weight or 1.0
            coverage = sum(name.words[ti].weight for ti in covered[(ei, ni)]) / weight
            missed = len(words - sims.keys())
            quality = 0.7 * mean + 0.3 * min(coverage, 1.0) - _GENERIC_MISS_COST * missed
            self._keep(best, ei, ni, tier, quality)

    def _match_parts(self, folded: str, best: dict[int, tuple[Tier, float, int]]) -> None:
        if not folded or (len(folded) < _MIN_PART and self._has_tokens(folded)):
            return
        # one C-speed scan of all names joined, instead of a Python loop over them
        at = self._haystack.find(folded)
        while at >= 0:
            slot = bisect_right(self._starts, at) - 1
            ei, ni = self._slots[slot]
            name = self.entries[ei].names[ni].folded
            self._keep(best, ei, ni, Tier.PART, len(folded) / len(name))
            at = self._haystack.find(folded, at + 1)

    def _has_tokens(self, folded: str) -> bool:
        # a short query that normalises to nothing (a bare legal form, "S.A.") still
        # finds the names it is part of, as the registry's search always did
        return bool(normalised(folded).words)


def rank(entries: Sequence[Entry], query: RecordQuery) -> list[Hit]:
    """One-off ranked search over ``entries`` (for searches of the past, ``as_of``)."""
    return SearchIndex(entries).search(query)

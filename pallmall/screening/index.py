"""The candidate index: blocking keys -> list names, so one screen scores a few hundred
names instead of every name on every list.

Each list name is keyed by its tokens, their phonetic skeletons, their repeat-squeezed
forms, and the name written without spaces. A query collects the postings of its own
keys, weighs each key by its rarity (inverse document frequency), and keeps the
``limit`` best-supported names as candidates for the scorer.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from pallmall.screening.model import EntryName, EntrySchema, ListEntry
from pallmall.screening.names import squeeze
from pallmall.screening.normalisation import NormalisedName, TokenKind, normalise


@dataclass(frozen=True)
class IndexedName:
    """One list name in the index: the entry it belongs to and its normalised form."""

    entry: int
    name: EntryName
    normalised: NormalisedName


def name_schema(schema: EntrySchema) -> EntrySchema:
    """The schema a name is normalised under: persons and vessels as such, the rest as
    organisations (an ``UNKNOWN`` CSL row is most often a company)."""
    if schema in (EntrySchema.PERSON, EntrySchema.VESSEL):
        return schema
    return EntrySchema.ORGANIZATION


_ALTERNATIVES = re.compile(r"(?<=[^\W\d_]{3})\s*/\s*(?=[^\W\d_]{3})")


def name_variants(name: EntryName) -> list[EntryName]:
    """``name``, and when it lists alternatives with a slash (``Al-Qa'ida/Islamic Army``)
    each alternative as a name of the same kind; a slash between short parts is kept
    (``A/S``, ``S/A`` are legal forms, ``c/o`` an address)."""
    parts = _ALTERNATIVES.split(name.value)
    if len(parts) < 2:
        return [name]
    return [name, *(EntryName(p.strip(), name.kind) for p in parts if p.strip())]


def blocking_keys(name: NormalisedName) -> set[str]:
    """The keys a name is filed under (and looked up by): tokens, skeletons, squeezed
    tokens, and the whole name without spaces. Particles are not keys: too common."""
    keys = {f"j:{name.key}"}
    for token in name.tokens:
        if token.kind == TokenKind.PARTICLE:
            continue
        keys.add(f"t:{token.text}")
        keys.add(f"q:{squeeze(token.text)}")
        if len(token.skeleton) >= 3:
            keys.add(f"s:{token.skeleton}")
        if len(token.text) >= 8:
            keys.add(f"h:{token.text[:5]}")
            keys.add(f"e:{token.text[-5:]}")
    return keys


class CandidateIndex:
    """An in-memory inverted index over the names of the given entries (read-only once
    built; safe to share between threads)."""

    def __init__(self, entries: Sequence[ListEntry]) -> None:
        self.entries = tuple(entries)
        self.names: list[IndexedName] = []
        self._of_entry: dict[int, list[IndexedName]] = defaultdict(list)
        postings: dict[str, list[int]] = defaultdict(list)
        for number, entry in enumerate(self.entries):
            schema = name_schema(entry.schema)
            for name in (v for n in entry.names for v in name_variants(n)):
                normalised = normalise(name.value, schema)
                if not normalised.tokens:
                    continue
                for key in blocking_keys(normalised):
                    postings[key].append(len(self.names))
                indexed = IndexedName(number, name, normalised)
                self.names.append(indexed)
                self._of_entry[number].append(indexed)
        total = max(1, len(self.names))
        self._postings = {k: np.asarray(v, dtype=np.int32) for k, v in postings.items()}
        self._idf = {k: math.log(1 + total / len(v)) for k, v in postings.items()}

    def __len__(self) -> int:
        return len(self.names)

    def names_of(self, entry: int) -> list[IndexedName]:
        """The indexed names of the entry at position ``entry``."""
        return list(self._of_entry.get(entry, ()))

    def candidates(self, queries: Iterable[NormalisedName], limit: int) -> list[IndexedName]:
        """At most ``limit`` list names sharing keys with any of ``queries``, best
        supported first (ties by index position, so the order is deterministic)."""
        found = [
            (self._postings[key], self._idf[key])
            for query in queries
            for key in blocking_keys(query)
            if key in self._idf
        ]
        if not found or limit <= 0:
            return []
        positions = np.concatenate([p for p, _ in found])
        weights = np.concatenate([np.full(len(p), w) for p, w in found])
        support = np.bincount(positions, weights=weights, minlength=len(self.names))
        hit = np.flatnonzero(support)
        if len(hit) > limit:
            # keep every name tied with the limit-th best, then order exactly
            kth = np.partition(support[hit], len(hit) - limit)[len(hit) - limit]
            hit = hit[support[hit] >= kth]
        order = np.lexsort((hit, -support[hit]))[:limit]
        return [self.names[int(position)] for position in hit[order]]

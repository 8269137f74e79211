"""The candidate index: blocking keys -> list names, so one screen scores a few hundred
names instead of every name on every list.

Each list name is keyed by its tokens, their phonetic skeletons, their repeat-squeezed
forms, and the name written without spaces. A query collects the postings of its own
keys, weighs each key by its rarity (inverse document frequency), and keeps the
``limit`` best-supported names as candidates for the scorer.

The index is held as flat arrays (keys as 64-bit hashes, sorted; postings in one array
with offsets; an entry's names as a range), so it can be written to disk and mapped back
into memory without rebuilding (:mod:`pallmall.screening.index_files`): processes that map
the same files share one copy of its memory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from pallmall.screening.model import EntryName, EntrySchema, ListEntry
from pallmall.screening.names import squeeze
from pallmall.screening.normalisation import NormalisedName, TokenKind, normalise
from pallmall.screening.values import identifier_key


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


@lru_cache(maxsize=1 << 18)
def key_hash(key: str) -> int:
    """A blocking key as a 64-bit number (blake2b): the index stores hashes, not strings;
    two keys sharing a hash (about one pair in 10^19) only add candidates."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class IndexArrays:
    """The index's numbers. ``keys`` (uint64, sorted) are blocking-key hashes;
    ``key_start`` (int64, one more than ``keys``) bounds each key's run in ``postings``
    (int32 name positions, ascending); ``idf`` (float64) is each key's rarity weight;
    ``entry_start`` (int32, one more than the entries) bounds each entry's names;
    ``id_keys`` / ``id_start`` / ``id_entries`` do the same for identifiers -> entries."""

    keys: NDArray[np.uint64]
    key_start: NDArray[np.int64]
    postings: NDArray[np.int32]
    idf: NDArray[np.float64]
    entry_start: NDArray[np.int32]
    id_keys: NDArray[np.uint64]
    id_start: NDArray[np.int64]
    id_entries: NDArray[np.int32]


def indexed_names(number: int, entry: ListEntry) -> list[tuple[IndexedName, list[int]]]:
    """The names of ``entry`` (the ``number``-th entry) as the index files them, each
    with the hashes of its blocking keys; a name that normalises to nothing is left out."""
    schema = name_schema(entry.schema)
    out = []
    for name in (v for n in entry.names for v in name_variants(n)):
        normalised = normalise(name.value, schema)
        if normalised.tokens:
            hashes = [key_hash(key) for key in blocking_keys(normalised)]
            out.append((IndexedName(number, name, normalised), hashes))
    return out


def identifier_hashes(entry: ListEntry) -> list[int]:
    """The hashes of ``entry``'s identifier keys (4 characters or more), each once."""
    found: list[int] = []
    for ident in entry.identifiers:
        ident_key = identifier_key(ident.value)
        if len(ident_key) >= 4 and (hashed := key_hash(ident_key)) not in found:
            found.append(hashed)
    return found


Csr = tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int32]]


def _csr(hashes: NDArray[np.uint64], values: NDArray[np.int32]) -> Csr:
    """Group ``values`` by ``hashes``: the distinct hashes sorted, each one's run bounds,
    and the values run after run (in their given order within a run)."""
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    first = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else order
    start = np.empty(len(first) + 1, dtype=np.int64)
    start[:-1], start[-1] = first, len(ordered)
    return ordered[first], start, values[order].astype(np.int32)


def index_arrays(
    key_hashes: NDArray[np.uint64],
    positions: NDArray[np.int32],
    entry_start: NDArray[np.int32],
    id_hashes: NDArray[np.uint64],
    id_entries: NDArray[np.int32],
) -> IndexArrays:
    """The index's arrays from its postings as pairs: ``key_hashes[i]`` files the name at
    ``positions[i]`` (positions ascending), ``id_hashes[i]`` the entry ``id_entries[i]``;
    ``entry_start`` bounds each entry's names. Vectorised: no Python object per posting."""
    keys, key_start, postings = _csr(key_hashes, positions)
    total = max(1, int(entry_start[-1]) if len(entry_start) else 0)
    idf = np.log1p(total / np.maximum(1, np.diff(key_start))).astype(np.float64)
    id_keys, id_start, id_flat = _csr(id_hashes, id_entries)
    return IndexArrays(
        keys, key_start, postings, idf, entry_start.astype(np.int32), id_keys, id_start, id_flat
    )


class CandidateIndex:
    """An inverted index over the names of the given entries (read-only once built; safe
    to share between threads). Build it from entries, or map a stored one back with
    :func:`pallmall.screening.index_files.open_index`."""

    def __init__(
        self,
        entries: Sequence[ListEntry],
        names: Sequence[IndexedName] | None = None,
        arrays: IndexArrays | None = None,
    ) -> None:
        self.entries = entries
        if names is not None and arrays is not None:
            self.names, self.arrays = names, arrays
            return
        built: list[IndexedName] = []
        key_hashes: list[int] = []
        positions: list[int] = []
        id_hashes: list[int] = []
        id_entries: list[int] = []
        entry_start = [0]
        for number, entry in enumerate(entries):
            for indexed, hashes in indexed_names(number, entry):
                key_hashes += hashes
                positions += [len(built)] * len(hashes)
                built.append(indexed)
            entry_start.append(len(built))
            found = identifier_hashes(entry)
            id_hashes += found
            id_entries += [number] * len(found)
        self.names = built
        self.arrays = index_arrays(
            np.asarray(key_hashes, dtype=np.uint64), np.asarray(positions, dtype=np.int32),
            np.asarray(entry_start, dtype=np.int32), np.asarray(id_hashes, dtype=np.uint64),
            np.asarray(id_entries, dtype=np.int32),
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.names)

    def names_of(self, entry: int) -> list[IndexedName]:
        """The indexed names of the entry at position ``entry``."""
        start, end = self.arrays.entry_start[entry], self.arrays.entry_start[entry + 1]
        return [self.names[i] for i in range(int(start), int(end))]

    def with_identifier(self, key: str) -> list[int]:
        """The positions of the entries carrying identifier ``key`` (an
        :func:`~pallmall.screening.values.identifier_key`)."""
        found = _lookup(self.arrays.id_keys, key_hash(key))
        if found is None:
            return []
        start, end = self.arrays.id_start[found], self.arrays.id_start[found + 1]
        return [int(n) for n in self.arrays.id_entries[start:end]]

    def candidates(self, queries: Iterable[NormalisedName], limit: int) -> list[IndexedName]:
        """At most ``limit`` list names sharing keys with any of ``queries``, best
        supported first (ties by index position, so the order is deterministic)."""
        arrays = self.arrays
        found = []
        # a key two query names share counts twice, as it did when each name was asked alone
        for key in (k for query in queries for k in blocking_keys(query)):
            at = _lookup(arrays.keys, key_hash(key))
            if at is not None:
                run = arrays.postings[arrays.key_start[at] : arrays.key_start[at + 1]]
                found.append((run, float(arrays.idf[at])))
        if not found or limit <= 0:
            return []
        positions = np.concatenate([p for p, _ in found])
        weights = np.repeat([w for _, w in found], [len(p) for p, _ in found])
        hit, support = _summed(positions, weights)
        if len(hit) > limit:
            # keep every name tied with the limit-th best, then order exactly
            kth = np.partition(support, len(hit) - limit)[len(hit) - limit]
            keep = support >= kth
            hit, support = hit[keep], support[keep]
        order = np.lexsort((hit, -support))[:limit]
        return [self.names[int(position)] for position in hit[order]]


def _summed(
    positions: NDArray[np.int32], weights: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The distinct ``positions`` (ascending) and the sum of each one's ``weights``.

    Few positions (rare keys) are sorted (``np.unique``); many (a common key of a large
    index carries tens of thousands of names) are summed straight into one slot per name
    up to the highest, which is linear where sorting is not. Either way each sum adds its
    weights in the order given, so both give the same sums to the last bit."""
    top = int(positions.max()) + 1
    if len(positions) * 16 < top:
        distinct, inverse = np.unique(positions, return_inverse=True)
        sums = np.bincount(inverse, weights=weights)
        hit: NDArray[np.int64] = distinct.astype(np.int64)
    else:
        sums = np.bincount(positions, weights=weights, minlength=top)
        hit = np.flatnonzero(sums)
        sums = sums[hit]
    # no copy: bincount with weights gives float64 already (the stubs do not say so)
    return hit, np.asarray(sums, dtype=np.float64)


def _lookup(keys: NDArray[np.uint64], key: int) -> int | None:
    at = int(np.searchsorted(keys, np.uint64(key)))
    return at if at < len(keys) and int(keys[at]) == key else None

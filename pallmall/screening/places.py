"""The words that name a country or another territory (``china``, ``schweiz``, ``rossiya``),
as reference data shipped in ``pallmall/data/screening/place_words.txt``.

They come from rigour's territory tables (names in many languages, strong and weak, and
places), reduced to what :func:`~pallmall.screening.normalisation.is_place` asks about: one
lower-case ASCII word of four letters or more naming a territory that is not a subdivision
(its code has no ``-``). Reading them from rigour builds a table of about 26,000 names
(several seconds of CPU in every process that screens an organisation); the file is read in
milliseconds. ``scripts/place_words.py`` writes it again from the rigour in the lock file,
and a unit test checks that it still says what rigour says.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

from rigour.territories.lookup import _get_identifier_map, _get_territory_names

_WORD = re.compile(r"^[a-z0-9]{4,}$")


def place_words_file() -> Path:
    """Where the shipped place words are (one per line, ``#`` lines are comments)."""
    return Path(str(files("pallmall") / "data" / "screening" / "place_words.txt"))


@cache
def place_words() -> frozenset[str]:
    """The shipped place words (read once per process)."""
    lines = place_words_file().read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in (line.strip() for line in lines) if w and not w.startswith("#"))


def rigour_place_words() -> frozenset[str]:
    """The place words as rigour's territory tables give them now (slow: builds rigour's
    name table). A word's territory is the one ``rigour.territories.lookup_territory``
    finds: by identifier first, then by name."""
    found = {**_get_territory_names(), **_get_identifier_map()}
    return frozenset(w for w, t in found.items() if _WORD.match(w) and "-" not in t.code)

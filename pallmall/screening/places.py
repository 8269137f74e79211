"""Reference data from rigour's territory tables, shipped as files so that no process has
to build those tables: the words that name a country or another territory (``china``,
``schweiz``, ``rossiya``, in ``pallmall/data/screening/place_words.txt``) and every
territory name rigour knows with its country code (``territory_names.tsv.gz``).

Building rigour's table of about 26,000 territory names costs about a second of CPU (more
on a loaded machine) in every process that asks it for a country's name; the files are read
in milliseconds. ``scripts/place_words.py`` writes both again from the rigour in the lock
file, and a unit test checks that they still say what rigour says.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib.resources import files
from pathlib import Path

from rigour.territories.lookup import _get_identifier_map, _get_territory_names

_WORD = re.compile(r"^[a-z0-9]{4,}$")


def place_words_file() -> Path:
    """Where the shipped place words are (one per line, ``#`` lines are comments)."""
    return Path(str(files("pallmall") / "data" / "screening" / "place_words.txt"))


def territory_names_file() -> Path:
    """Where the shipped territory names are (gzip; ``#`` lines are comments, then one
    ``normalised name<TAB>code`` a line)."""
    return Path(str(files("pallmall") / "data" / "screening" / "territory_names.tsv.gz"))


@cache
def place_words() -> frozenset[str]:
    """The shipped place words (read once per process)."""
    lines = place_words_file().read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in (line.strip() for line in lines) if w and not w.startswith("#"))


@cache
def territory_names() -> dict[str, str]:
    """The shipped territory names: rigour's normalised name (its
    ``normalize_territory_name``) -> the lower-case country code that
    :func:`pallmall.screening.values.country_code` gives for it (read once per process)."""
    text = gzip.decompress(territory_names_file().read_bytes()).decode("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {name: code for name, code in rows}


def rigour_place_words() -> frozenset[str]:
    """The place words as rigour's territory tables give them now (slow: builds rigour's
    name table). A word's territory is the one ``rigour.territories.lookup_territory``
    finds: by identifier first, then by name."""
    found = {**_get_territory_names(), **_get_identifier_map()}
    return frozenset(w for w, t in found.items() if _WORD.match(w) and "-" not in t.code)


def rigour_territory_names() -> dict[str, str]:
    """The territory names as rigour's tables give them now (slow: builds rigour's name
    table): normalised name -> its territory's FtM country code, else its own code, in
    lower case (what ``country_code`` reports)."""
    return {
        name: str(territory.ftm_country or territory.code).lower()
        for name, territory in _get_territory_names().items()
    }

"""Write pallmall/data/screening/place_words.txt and territory_names.tsv.gz from the
installed rigour's territory tables.

    .venv/bin/python scripts/place_words.py

Run it after upgrading rigour (tests/unit/screening/test_lazy_reference_data.py says when
it is due).
"""

from __future__ import annotations

import gzip
from importlib.metadata import version

from pallmall.screening.places import (
    place_words_file,
    rigour_place_words,
    rigour_territory_names,
    territory_names_file,
)


def main() -> None:
    words = sorted(rigour_place_words())
    source = f"# from rigour {version('rigour')}'s territory tables by scripts/place_words.py."
    licence = "# rigour (opensanctions/rigour) is under the MIT licence."
    header = [
        "# Words naming a territory that is not a subdivision (lower-case ASCII, 4+ letters),",
        source,
        licence,
    ]
    place_words_file().write_text("\n".join([*header, *words]) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {place_words_file()}")
    names = rigour_territory_names()
    lines = [
        "# Territory names, normalised as rigour's normalize_territory_name, TAB, country code,",
        source,
        licence,
        *(f"{name}\t{names[name]}" for name in sorted(names)),
    ]
    text = ("\n".join(lines) + "\n").encode("utf-8")
    # mtime 0: the same tables give the same bytes
    territory_names_file().write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    print(f"{len(names)} territory names -> {territory_names_file()}")


if __name__ == "__main__":
    main()

"""Write pallmall/data/screening/place_words.txt from the installed rigour's territory tables.

    .venv/bin/python scripts/place_words.py

Run it after upgrading rigour (tests/unit/screening/test_places.py says when it is due).
"""

from __future__ import annotations

from importlib.metadata import version

from pallmall.screening.places import place_words_file, rigour_place_words


def main() -> None:
    words = sorted(rigour_place_words())
    header = [
        "# Words naming a territory that is not a subdivision (lower-case ASCII, 4+ letters),",
        f"# from rigour {version('rigour')}'s territory tables by scripts/place_words.py.",
        "# rigour (opensanctions/rigour) is under the MIT licence.",
    ]
    place_words_file().write_text("\n".join([*header, *words]) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {place_words_file()}")


if __name__ == "__main__":
    main()

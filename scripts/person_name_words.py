"""Write pallmall/data/screening/person_name_words.txt.gz: every word rigour's person-name
tagger can give a given-name symbol to, as pallmall asks it (one lower-case ASCII word).

    .venv/bin/python scripts/person_name_words.py

Run it after upgrading rigour (tests/integration/screening/test_person_names.py says when
it is due). rigour compiles its person-name corpus (``rust/data/names/person_names.txt``:
``form, form, ... => Wikidata id`` a line) and its symbol table (``names/symbols.json``:
``person_name_parts``, ``person_nick``) into its binary as zstd frames; this reads them
from the installed binary with the ``zstd`` command (Debian's ``zstd`` package), or from
a rigour source tree with ``--source DIR``. Only the words are kept: which symbols a word
carries is asked of the installed rigour when a data folder's table is built
(:mod:`pallmall.screening.person_names`).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import re
import subprocess
from importlib.metadata import version
from pathlib import Path

import rigour
from rigour.names.tokenize import tokenize_name

from pallmall.screening.person_names import words_file

_WORD = re.compile(r"^[a-z0-9]+$")
_ZSTD = b"\x28\xb5\x2f\xfd"


def _frames(binary: bytes) -> list[str]:
    """The text of every zstd frame in ``binary`` that decompresses to UTF-8."""
    found, start = [], binary.find(_ZSTD)
    while start >= 0:
        done = subprocess.run(["zstd", "-dcq"], input=binary[start:], capture_output=True)
        if len(done.stdout) > 1000:
            with contextlib.suppress(UnicodeDecodeError):  # a frame of binary data
                found.append(done.stdout.decode("utf-8"))
        start = binary.find(_ZSTD, start + 4)
    return found


def _sources(source: Path | None) -> tuple[str, dict[str, dict[str, list[str]]]]:
    """rigour's person-name corpus and its symbol table."""
    if source is not None:
        corpus = (source / "rust/data/names/person_names.txt").read_text(encoding="utf-8")
        symbols = json.loads((source / "rust/data/names/symbols.json").read_text("utf-8"))
        return corpus, symbols
    (binary,) = Path(rigour.__file__).parent.glob("_core*.so")
    frames = _frames(binary.read_bytes())
    (corpus,) = [f for f in frames if re.match(r"^[^\n]* => [QX]\d", f)]
    (text,) = [f for f in frames if '"person_nick"' in f]
    return corpus, json.loads(text)


def _word(alias: str) -> str | None:
    # as rigour's tagger normalises an alias (casefold, tokenise, join): one word or none
    key = " ".join(tokenize_name(alias.casefold()))
    return key if _WORD.match(key) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="a rigour source tree")
    corpus, symbols = _sources(parser.parse_args().source)
    aliases = [
        alias
        for line in corpus.splitlines()
        if " => " in line
        for alias in line.rsplit(" => ", 1)[0].split(", ")
    ]
    for table in ("person_name_parts", "person_nick"):
        aliases += [alias for group in symbols[table].values() for alias in group]
    words = sorted({w for w in map(_word, aliases) if w})
    header = [
        "# Words rigour's person-name tagger can give a given-name symbol to (lower-case ASCII),",
        f"# from rigour {version('rigour')}'s person-name corpus by scripts/person_name_words.py.",
        "# rigour (opensanctions/rigour) is under the MIT licence; its names from Wikidata (CC0).",
    ]
    text = ("\n".join([*header, *words]) + "\n").encode("utf-8")
    words_file().write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    print(f"{len(words)} words -> {words_file()}")


if __name__ == "__main__":
    main()

"""rigour's given-name symbols (Wikidata name items, nickname groups) for every word that
can carry one, stored once per rigour version in the data folder and read back without
loading rigour's person-name tagger.

The tagger is an automaton over about a million name forms: building it costs every
process that compares a person's name about 5 s of CPU (holding the GIL) and 280 MB. What
pallmall asks of it is the symbols of single words (``_symbols`` in
:mod:`~pallmall.screening.normalisation`: spans of one part, categories NAME and NICK), and
its matches overlap, so a word's symbols do not depend on the words around it: a table of
word -> symbols says what the tagger says. The words come from rigour's corpus, shipped as
``pallmall/data/screening/person_name_words.txt.gz`` (``scripts/person_name_words.py``);
the symbols are asked of the installed rigour when the table is built, so a table is
always the installed rigour's. A screen then looks up its party's few words by binary
search in the mapped file.

The table is a file beside the stored indexes (``screening-index/person-names-<rigour
version>-<digest of the words>.tsv``): one ``word<TAB>symbol symbol...`` a line, sorted
(byte order), only words that carry a symbol. A rigour upgrade or a new word list names
another file: it is built once (by the first process that needs a person's symbols, which
would otherwise load the tagger; under the index build lock) and the stale one removed.
"""

from __future__ import annotations

import gzip
import hashlib
import mmap
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from rigour.names import NameTypeTag, SymbolCategory, analyze_names

from pallmall.screening.build_lock import build_lock

FORMAT = 1
"""The table's layout; a change names new files."""
NAME_SYMBOLS = (SymbolCategory.NAME, SymbolCategory.NICK)
"""The categories pallmall compares (given-name items and nickname groups)."""
_PREFIX = "person-names-"
# A leading word no table holds, so that rigour does not strip the word asked about as a
# title (``mr``, ``haji``): a word's symbols are those it carries after the first word.
_LEAD = "zqxj"
# the table this process wrote last (a process that opens several data folders, as the
# test suite does, copies it rather than asking the tagger again)
_WRITTEN: list[Path] = []


def words_file() -> Path:
    """Where the shipped words are (gzip; ``#`` lines are comments, then one word a line)."""
    return Path(str(files("pallmall") / "data" / "screening" / "person_name_words.txt.gz"))


@cache
def _words_digest() -> str:
    return hashlib.sha256(words_file().read_bytes()).hexdigest()[:12]


def shipped_words() -> list[str]:
    """The shipped words: lower-case ASCII, one word each."""
    text = gzip.decompress(words_file().read_bytes()).decode("utf-8")
    return [w for w in text.splitlines() if w and not w.startswith("#")]


def table_name() -> str:
    """The file name of the table for the installed rigour and the shipped words."""
    return f"{_PREFIX}{version('rigour')}-{_words_digest()}-{FORMAT}.tsv"


def tagger_symbols(words: Sequence[str], batch: int = 5000) -> Iterator[tuple[str, list[str]]]:
    """Each of ``words`` that rigour's person-name tagger gives a NAME or NICK symbol, with
    those symbols (``str(symbol)``, sorted), asking the tagger (loads it: seconds)."""
    for start in range(0, len(words), batch):
        names = [f"{_LEAD} {w}" for w in words[start : start + batch]]
        found: dict[str, set[str]] = {}
        for name in analyze_names(NameTypeTag.PER, names, consolidate=False, phonetics=False):
            for span in name.spans:
                (part, *more) = span.parts
                if not more and part.index == 1 and span.symbol.category in NAME_SYMBOLS:
                    found.setdefault(part.form, set()).add(str(span.symbol))
        yield from ((w, sorted(s)) for w, s in found.items())


def write_person_table(root: Path) -> Path:
    """Build the table for the installed rigour in ``root`` (asks the tagger about every
    shipped word: about 7 s of CPU), written to a scratch file renamed into place; remove
    the tables of other rigour versions or words. Returns the table's path. The caller
    holds ``root``'s build lock."""
    path = root / table_name()
    scratch = root / f".{path.name}.{os.getpid()}"
    earlier = [p for p in _WRITTEN if p.name == path.name and p.exists()]
    if earlier:  # a table is a function of its name: this process built one already
        shutil.copyfile(earlier[0], scratch)
    else:
        rows = sorted(tagger_symbols(shipped_words()))
        with scratch.open("w", encoding="utf-8") as out:
            out.writelines(f"{word}\t{' '.join(symbols)}\n" for word, symbols in rows)
    scratch.replace(path)
    _WRITTEN[:] = [path]
    for other in root.glob(f"{_PREFIX}*.tsv"):
        if other != path:
            other.unlink(missing_ok=True)
    return path


class PersonNameTable:
    """A stored table, mapped read-only; :meth:`symbols` answers as the tagger would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self._map: mmap.mmap | bytes = (
                mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            )

    loaded = True
    """An open table answers without loading anything (as :class:`StoredPersonNames`)."""

    def word(self, word: str) -> frozenset[str]:
        """The symbols of one word (none when the table has no line for it)."""
        key, data = word.encode("utf-8"), self._map
        lo, hi = 0, len(data)
        while lo < hi:  # lo and hi stay at line starts (or the end)
            start = data.rfind(b"\n", 0, (lo + hi) // 2) + 1
            end = data.find(b"\n", start)
            tab = data.find(b"\t", start, end)
            found = data[start:tab]
            if found < key:
                lo = end + 1
            elif found > key:
                hi = start
            else:
                return frozenset(data[tab + 1 : end].decode("utf-8").split())
        return frozenset()

    def symbols(self, text: str) -> dict[str, set[str]]:
        """What ``_symbols(text)`` gives with rigour's tagger: each word of the person name
        ``text`` (as rigour splits it, a leading title removed) -> its symbols."""
        names = analyze_names(
            NameTypeTag.PER, [text], consolidate=False, phonetics=False, symbols=False
        )
        found: dict[str, set[str]] = {}
        for part in (part.form for name in names for part in name.parts):
            if symbols := self.word(part):
                found.setdefault(part, set()).update(symbols)
        return found


def open_person_table(root: Path) -> PersonNameTable | None:
    """The table in ``root`` for the installed rigour, or None when it is not built."""
    path = root / table_name()
    return PersonNameTable(path) if path.exists() else None


class StoredPersonNames:
    """The person-name table of the index root ``root``, opened now if it is there, else
    built at the first :meth:`symbols` (by the first process that needs a person's
    symbols: it would load the tagger anyway; a process that never compares a person
    never builds it). Thread-safe; processes build one at a time (the index build lock)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._table = open_person_table(root)
        self._lock = threading.Lock()
        self._cannot = False

    @property
    def loaded(self) -> bool:
        """Whether the table is open (symbols cost a look-up, not the tagger's load)."""
        return self._table is not None

    def symbols(self, text: str) -> dict[str, set[str]] | None:
        """:meth:`PersonNameTable.symbols` of the table (built first if missing), or None
        when it cannot be built here (``root`` is not writable: ask the tagger)."""
        table = self._table or self._open_or_build()
        return None if table is None else table.symbols(text)

    def _open_or_build(self) -> PersonNameTable | None:
        with self._lock:
            if self._table is None and not self._cannot:
                try:
                    with build_lock(self.root):
                        path = self.root / table_name()
                        built = path if path.exists() else write_person_table(self.root)
                        self._table = PersonNameTable(built)
                except OSError:  # a read-only index folder: the tagger, as without a table
                    self._cannot = True
            return self._table

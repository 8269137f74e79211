"""Name normalisation: any script to Latin, legal forms split off, tokens weighted.

The same function runs on list names (once, when the index is built) and on query names,
so both sides always meet in the same form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from rigour.names import (
    NameTypeTag,
    SymbolCategory,
    analyze_names,
    extract_org_types,
    remove_obj_prefixes,
    remove_person_prefixes,
)
from rigour.text.normalize import Cleanup, Normalize
from rigour.text.translit import ascii_text

from pallmall.screening.model import EntrySchema
from pallmall.screening.places import place_words

if TYPE_CHECKING:
    from pallmall.screening.person_names import PersonNameTable, StoredPersonNames


def _words(text: str) -> list[str]:
    return text.split()


# Particles and connectors: they carry little identity, so they weigh little.
PARTICLES = frozenset(
    _words("""al el ul ud ad ar as at az bin ben ibn bint abu abou ould de da do das dos del
    della di du la le van von der den ter zu y e i the of and for und et s""")
)
# Words that many organisation names share; a match on them proves little.
GENERIC_ORG = frozenset(
    _words("""company group holding holdings international trading trade industries industry
    industrial corporation management systems system global solutions technologies technology
    services service enterprise enterprises bank national general limited partners partnership
    capital fund investment investments development import export commercial center centre
    organization organisation association foundation institute research scientific production
    factory plant engineering construction resources energy united new state shipping logistics
    marine petroleum oil gas""")
)
_SYNONYMS = {
    "ibn": "bin", "ben": "bin", "bint": "bin", "abou": "abu", "mohd": "muhammad",
    "corp": "corporation", "co": "company", "intl": "international", "ltd": "limited",
    "inc": "incorporated", "mfg": "manufacturing", "natl": "national", "svcs": "services",
}  # fmt: skip
# letters written with dots are initials (``N.A.B.C.``); compared exactly
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}", re.IGNORECASE)
_ABBREVIATION_DOT = re.compile(r"(?<=\b[a-z])\.(?=[a-z]\b)", re.IGNORECASE)
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bb\u02bc\u02be\u02bf]")
# Legal-form words rigour leaves in place; they are split off like the forms it finds.
LEGAL_WORDS = frozenset(
    _words("company corporation incorporated limited llc plc gmbh ag sa srl bv nv ab as oy")
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_DIGRAPHS = (
    ("dzh", "j"), ("tch", "c"), ("sch", "s"), ("zh", "j"), ("dj", "j"), ("kh", "h"),
    ("gh", "g"), ("ph", "f"), ("th", "t"), ("sh", "s"), ("ch", "k"), ("ck", "k"),
    ("ts", "s"), ("ou", "u"), ("ee", "i"), ("oo", "u"),
)  # fmt: skip
_LETTERS = str.maketrans("cqzwvxyo", "kksffkiu")
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")


class TokenKind:
    """How a token counts: a name word, a particle, a generic org word, a place named in
    an organisation's name, or a number."""

    WORD = "word"
    PARTICLE = "particle"
    GENERIC = "generic"
    NUMBER = "number"
    PLACE = "place"


@dataclass(frozen=True)
class Token:
    """One normalised word: its text, phonetic skeleton, kind and weight; the given-name
    symbols rigour knows for it; whether it is a patronymic; whether it was written in
    a script without vowels (Arabic, Hebrew); whether it was written as dotted initials."""

    text: str
    skeleton: str
    kind: str
    weight: float
    symbols: frozenset[str] = frozenset()
    patronymic: bool = False
    abjad: bool = False
    initials: bool = False


@dataclass(frozen=True)
class NormalisedName:
    """A name ready to compare: original text, tokens, legal forms, the joined key, and
    the words the legal forms were written with (``joint``, ``stock``, ``ag``)."""

    original: str
    tokens: tuple[Token, ...]
    legal_forms: frozenset[str]
    key: str
    form_words: frozenset[str] = frozenset()

    @property
    def weight(self) -> float:
        """Total token weight (0 for a name with no tokens)."""
        return sum(t.weight for t in self.tokens)

    @cached_property
    def texts(self) -> frozenset[str]:
        """The token texts (computed once: list names are compared screen after screen)."""
        return frozenset(t.text for t in self.tokens)

    @cached_property
    def initial_letters(self) -> str:
        """The first letters of the tokens that are not particles, in order."""
        return "".join(t.text[0] for t in self.tokens if t.kind != TokenKind.PARTICLE)

    @cached_property
    def acronym_like(self) -> tuple[str, ...]:
        """Token texts that could be an acronym of words on another name (2-5 letters)."""
        return tuple(
            t.text
            for t in self.tokens
            if 2 <= len(t.text) <= 5 and t.kind != TokenKind.PARTICLE and t.text.isalpha()
        )


def latin(text: str) -> str:
    """Lower-case ASCII transliteration of ``text`` (Cyrillic, Greek, Arabic, Hebrew,
    Han, ... via ``rigour``), punctuation kept for the later steps."""
    return ascii_text(text).lower()


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """A consonant skeleton that transliteration variants share: ``pozitiv`` and
    ``positive`` -> ``pstf``; ``teknolodzhiz`` and ``technologies`` -> ``tknljs``."""
    if word.isdigit():
        return word
    out = word
    for old, new in _DIGRAPHS:
        out = out.replace(old, new)
    out = re.sub(r"g(?=[eiy])", "j", out).translate(_LETTERS)
    head, tail = out[:1], re.sub(r"[aeiuh]", "", out[1:])
    return re.sub(r"(.)\1+", r"\1", head + tail)


def normalise(name: str, schema: EntrySchema, symbols: bool = True) -> NormalisedName:
    """Normalise ``name`` for ``schema``: transliterate, drop honorifics (persons), split
    off legal forms to their generic code (organisations: ``AO``, ``OOO``, ``LLC``,
    ``S.A.``, ``Zrt`` -> ``jsc``, ``llc``, ...), put ``LAST, First`` in order, tokenise.

    A person's tokens carry rigour's given-name symbols; ``symbols=False`` leaves them
    out (the tagger's tables cost seconds and hundreds of MB to load: a query that may not
    need them attaches them later, :func:`normalise` again)."""
    text = latin(_APOSTROPHES.sub("", name).replace("&", " and "))
    text = _PERCENT.sub(r"\1 percent", text)
    initials = {m.replace(".", "") for m in _DOTTED.findall(text)}
    text = _ABBREVIATION_DOT.sub("", text)
    forms: frozenset[str] = frozenset()
    form_words: frozenset[str] = frozenset()
    if schema is EntrySchema.PERSON:
        text = _person_order(remove_person_prefixes(text))
    elif schema is EntrySchema.VESSEL:
        text = remove_obj_prefixes(text)
    else:
        text, forms, form_words = _split_legal_forms(text)
    raw = _abd_al([w for w in _NOT_WORD.split(text) if w])
    words = [_SYNONYMS.get(w, w) for w in raw]
    if schema is not EntrySchema.PERSON:
        words = numbers_as_digits(words)
    if schema is not EntrySchema.PERSON and any(w not in LEGAL_WORDS for w in words):
        forms |= {"co" for w in words if w in LEGAL_WORDS}
        form_words |= {w for w in words if w in LEGAL_WORDS}
        words = [w for w in words if w not in LEGAL_WORDS]
    tokens = tuple(_token(w, schema) for w in words)
    if schema is EntrySchema.PERSON:
        tokens = _with_patronymics(_with_symbols(tokens, raw) if symbols else tokens)
    if initials:
        tokens = tuple(replace(t, initials=True) if t.text in initials else t for t in tokens)
    if _ABJAD.search(name):
        tokens = tuple(replace(t, abjad=True) for t in tokens)
    return NormalisedName(name, tokens, forms, "".join(words), form_words)


# "3%ers" and "three percenters" meet as "3 percenters".
_PERCENT = re.compile(r"(\d)\s*%\s*")
# Arabic 'Abd al-X ("servant of X") is written Abd al-X, Abdul X, Abdel X, Abdoul X, Abdulaziz.
_ABD = re.compile(r"^(?:abdel|abdal|abdoul|abdol)")
_ABD_ARTICLE = frozenset(("al", "el", "ul", "ol"))


def _abd_al(words: list[str]) -> list[str]:
    """Spell 'Abd al- one way: ``abd al`` / ``abdel`` / ``abdoul`` -> ``abdul`` (also
    as the head of a joined word: ``abdelkader`` -> ``abdulkader``)."""
    out: list[str] = []
    for word in words:
        if word in _ABD_ARTICLE and out and out[-1] == "abd":
            out[-1] = "abdul"
            continue
        out.append(_ABD.sub("abdul", word))
    return out


_NAME_SYMBOLS = (SymbolCategory.NAME, SymbolCategory.NICK)
_UNITS = _words("""zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen""")
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(_words("twenty thirty forty fifty sixty seventy eighty ninety"))
}
_TENS["fourty"] = 40
_TENS_DIGITS = frozenset(str(v) for v in _TENS.values())
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS)} | _ORDINALS
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(st|nd|rd|th)$")


def numbers_as_digits(words: list[str]) -> list[str]:
    """Number words and ordinals as digits: ``forty four`` -> ``44``, ``first`` -> ``1``."""
    out: list[str] = []
    for word in words:
        suffixed = _ORDINAL_SUFFIX.match(word)
        if suffixed:
            word = suffixed[1]
        elif word in _NUMBER_WORDS or (len(word) == 1 and word.isdigit()):
            value = _NUMBER_WORDS[word] if word in _NUMBER_WORDS else int(word)
            if out and out[-1] in _TENS_DIGITS and 0 < value < 10:
                out[-1] = str(int(out[-1]) + value)
                continue
            word = str(value)
        elif word in _TENS:
            word = str(_TENS[word])
        out.append(word)
    return out


# rigour's org-type table is written with accents and dots (``Zártkörűen Működő
# Részvénytársaság``, ``Zrt.``); names here are plain ASCII, and lists write forms without
# accents (``ZARTKORUEN MUKODO RESZVENYTARSASAG``) or dots (``ZRT``). Each pass folds the
# table a different way: as written; accents and punctuation dropped (Strong); and
# punctuation dropped with spaces squashed (Slug), so every spelling meets its form.
_FORM_PASSES = (
    (Normalize.CASEFOLD, Cleanup.Noop),
    (Normalize.CASEFOLD | Normalize.NFKD, Cleanup.Strong),
    (Normalize.CASEFOLD | Normalize.NFKD | Normalize.SQUASH_SPACES, Cleanup.Slug),
)


def legal_forms_in(text: str) -> list[tuple[str, str]]:
    """The legal forms rigour's org-type tables find in ``text`` (lower-case ASCII), as
    ``(words, generic code)``: ``words`` is the form as written, reduced to its words
    joined by single spaces (``zrt``, ``zartkoruen mukodo reszvenytarsasag``); the code is
    rigour's generic one (``jsc``, ``llc``, ...). Roman numerals are never forms (``II``)."""
    found: dict[str, str] = {}
    for flags, cleanup in _FORM_PASSES:
        for matched, generic in extract_org_types(
            text, normalize_flags=flags, cleanup=cleanup, generic=True
        ):
            words = " ".join(w for w in _NOT_WORD.split(matched) if w)
            if words and not _ROMAN.match(words.replace(" ", "")):
                found.setdefault(words, generic)
    # a longer form wins over the shorter one inside it (``co ltd`` over ``ltd``)
    return [
        (w, g)
        for w, g in found.items()
        if not any(w != other and f" {w} " in f" {other} " for other in found)
    ]


# Legal forms that the lists' person names also use as name words (``Sa'd``, ``Bah AG
# Moussa``, ``KHUN SA``, ``HAN YU-RO``, ``TCHAM NA MAN``, ``PAK HAN SE``; 0.5 % of their
# person names hold one): written alone, one of them does not make a name a company's.
NAME_LIKE_FORMS = frozenset(
    ("ag", "sa", "as", "ab", "a s", "s a", "se", "na", "yu", "sad", "ku", "in", "im",
     "at", "ong", "sia", "lt", "pao")
)  # fmt: skip


def company_marked(name: str) -> bool:
    """Whether ``name`` reads as a company's by its legal form (then a party of unknown
    kind needs no given-name symbols).

    A form (rigour's tables, or :data:`LEGAL_WORDS`) counts when it stands as whole words
    at the end of the name (``Stroy OOO``, ``Acme Holdings, Ltd``, also before words in
    brackets: ``Acme Company (ACO)``) or at its start, not
    followed by a comma (``OOO Stroy``; ``PAO, Yu Yi`` is a person's ``LAST, Given``), with
    other words beside it; a word joined by a hyphen is no form (``Mario-Co``,
    ``AS-SAFRANI``). A form in :data:`NAME_LIKE_FORMS` counts only when written as a form:
    in capitals in a name that is not all capitals (``Intellexa SA``) or with dots
    (``INTELLEXA S.A.``), and never in a name with a comma (``MUJEL, A.S.``,
    ``HITTA, Sidan Ag``). Doubt reads as a person: a company taken for a person only costs
    the tagger's load, a person taken for a company loses given-name variants."""
    written = ascii_text(_APOSTROPHES.sub("", name).replace("&", " and ")).strip()
    # as written (``S.A.``) and as the normaliser reads it (``C.A.`` -> ``CA.``)
    for text in dict.fromkeys((written, _ABBREVIATION_DOT.sub("", written))):
        lower = text.lower()
        forms = {form for form, _ in legal_forms_in(lower)}
        forms |= {w for w in _NOT_WORD.split(lower) if _SYNONYMS.get(w, w) in LEGAL_WORDS}
        if any(_written_as_form(text, form) for form in forms):
            return True
    return False


def _written_as_form(text: str, form: str) -> bool:
    """Whether ``form`` (lower-case words) stands in ``text`` as :func:`company_marked`
    asks: at the end or (no comma after it) the start, and name-like forms as forms."""
    pattern = r"[^A-Za-z0-9]*".join(re.escape(w) for w in form.split())
    # at the end, or before an acronym or note in brackets (``Company (BMPPC)``)
    at_end = rf"(?<=[\s,(])({pattern})\.?[\s.)]*(?:\([^()]*\)[\s.]*)*$"
    at_start = rf"^[\s(]*({pattern})\.?(?=\s+[^\s,])"
    for where in (at_end, at_start):
        found = re.search(where, text, re.IGNORECASE)
        if found is None:
            continue
        if form not in NAME_LIKE_FORMS:
            return True
        written = found[0]
        capitals = found[1].isupper() and text != text.upper()
        if (capitals or "." in written) and "," not in text:
            return True
    return False


def _split_legal_forms(text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """Remove legal forms (but not roman numerals rigour may take for one, ``II``);
    returns the rest, the forms' generic codes and the words they were written with."""
    found = legal_forms_in(text)
    stripped = text
    for form, _ in sorted(found, key=lambda f: -len(f[0])):
        # the form's words with any punctuation or spaces between them (``s. a.``)
        pattern = r"[^a-z0-9]*".join(re.escape(w) for w in form.split())
        stripped = re.sub(rf"(?<![a-z0-9]){pattern}\.?(?![a-z0-9])", " ", stripped)
    if not _NOT_WORD.sub("", stripped):
        return text, frozenset(), frozenset()
    words = frozenset(w for m, _ in found for w in _NOT_WORD.split(m) if w)
    return stripped, frozenset(g for _, g in found), words


def _with_symbols(tokens: tuple[Token, ...], raw: list[str]) -> tuple[Token, ...]:
    """Attach rigour's given-name symbols (Wikidata name items, nickname groups) so that
    ``Sergejs``/``Sergey`` or ``Ted``/``Theodore`` can meet although their spelling differs.
    ``raw`` are the words before synonyms (``Ben`` keeps its nickname group although the
    token reads ``bin``), one per token."""
    found = _symbols(" ".join(raw))
    if not found:
        return tokens
    out = []
    for t, w in zip(tokens, raw, strict=True):
        symbols = found.get(t.text, set()) | found.get(w, set())
        # built directly, not with dataclasses.replace: this runs for every person name
        # of every list, and a token without symbols stays the one it is
        out.append(
            Token(t.text, t.skeleton, t.kind, t.weight, frozenset(symbols), t.patronymic,
                  t.abjad, t.initials)
            if symbols else t
        )  # fmt: skip
    return tuple(out)


# The stored person-name table this process reads given-name symbols from (at most one,
# set by use_person_table); empty: rigour's tagger is asked. Process-wide like rigour's own
# tagger, which it stands for: both give the same symbols.
_PERSON_TABLE: list[PersonNameTable | StoredPersonNames] = []
_TAGGER_ASKED: list[bool] = []


def use_person_table(table: PersonNameTable | StoredPersonNames | None) -> None:
    """Read given-name symbols from ``table`` (a stored table for the installed rigour:
    :mod:`pallmall.screening.person_names`), or, with None, from rigour's tagger. Either
    gives the same symbols; the table does not load the tagger."""
    _PERSON_TABLE[:] = [table] if table is not None else []


def stored_table_unbuilt() -> bool:
    """Whether the table in use is stored-to-be: it builds itself (under the index build
    lock) at the first symbols asked of it."""
    return bool(_PERSON_TABLE) and not _PERSON_TABLE[0].loaded


def person_tables_loaded() -> bool:
    """Whether this process can give a person's name its given-name symbols without
    loading anything: it reads an open stored table, or has loaded rigour's person-name
    tagger (seconds of CPU and about 300 MB when first asked)."""
    return any(t.loaded for t in _PERSON_TABLE) or bool(_TAGGER_ASKED)


@lru_cache(maxsize=65536)
def _symbols(text: str) -> dict[str, set[str]]:
    stored = _PERSON_TABLE[0].symbols(text) if _PERSON_TABLE else None
    if stored is not None:
        return stored
    _TAGGER_ASKED[:] = [True]
    found: dict[str, set[str]] = {}
    for name in analyze_names(NameTypeTag.PER, [text], consolidate=False, phonetics=False):
        for span in name.spans:
            if len(span.parts) == 1 and span.symbol.category in _NAME_SYMBOLS:
                found.setdefault(span.parts[0].form, set()).add(str(span.symbol))
    return found


# Words naming a public body: a ministry, department or agency of a state. "Ministry of
# Interior" exists in every state, so such a name alone never identifies one of them.
PUBLIC_BODY = frozenset(
    _words("""ministry ministries minister ministere ministerio ministero ministerie ministerium
    ministerstvo ministerstva ministrstvo ministerstwo bakanligi vezarat vizarat wizarat wizara
    wazarat department departement departamento dipartimento directorate directorates direction
    direccion directorio agency agence agencia agenzia authority authorities autorite
    autoridad bureau office council commission committee secretariat government governorate
    gouvernement gobierno municipality administration embassy consulate police gendarmerie
    army navy military forces guard guards intelligence court prosecutor parliament
    assembly""")
)


@lru_cache(maxsize=65536)
def names_a_public_body(name: str) -> bool:
    """Whether ``name`` names a ministry, department, agency or other public body (one of
    :data:`PUBLIC_BODY`'s words in any script, once transliterated)."""
    return any(w in PUBLIC_BODY for w in _NOT_WORD.split(latin(name)))


@lru_cache(maxsize=65536)
def common_organisation_name(name: str) -> bool:
    """Whether ``name``, as an organisation's name, could be the name of a body in any
    state: it names a public body (``Ministry of Interior``, ``State Security
    Department``) or is made only of generic words, places and numbers (``National Oil
    Company``), with no word of its own."""
    if names_a_public_body(name):
        return True
    tokens = normalise(name, EntrySchema.ORGANIZATION).tokens
    return bool(tokens) and all(t.kind != TokenKind.WORD for t in tokens)


_REGIONS = frozenset(_words("europe european asia asian africa african america american arabia"))


@lru_cache(maxsize=65536)
def is_place(word: str) -> bool:
    """Whether ``word`` names a country or a continent (``china``, ``schweiz``,
    ``europe``): in an organisation name it marks a branch or subsidiary more often than
    it identifies the organisation, so it weighs like a generic word. Codes and words
    under four letters are not places here (``sa``, ``ag`` and ``de`` are too). ``word``
    is one lower-case ASCII word, as normalisation makes them; the territories are
    rigour's, read from the shipped :func:`~pallmall.screening.places.place_words`."""
    return word in _REGIONS or (len(word) >= 4 and word in place_words())


# Arabic, Hebrew, Syriac, Thaana and their presentation forms: scripts that write few vowels
_ABJAD = re.compile(r"[\u0590-\u07bf\u08a0-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_ABJAD_LETTERS = str.maketrans("pvzcqgo", "bfskkje")


@lru_cache(maxsize=65536)
def consonants(word: str) -> str:
    """The consonants of ``word`` as an abjad writes them, for comparing a name written in
    Arabic or Hebrew script (transliterated without vowels: ``frnandw byryz``) with its
    Latin spelling (``fernando perez``): vowels and the vowel carriers ``w``/``y`` dropped,
    ``p``/``b``, ``v``/``f``, ``z``/``s`` merged, repeats squeezed; both -> ``frnd brs``."""
    out = word
    for old, new in _DIGRAPHS:
        out = out.replace(old, new)
    out = re.sub(r"[aeiouwyh]", "", out.translate(_ABJAD_LETTERS))
    return re.sub(r"(.)\1+", r"\1", out)


_SLAVIC_PATRONYMIC = re.compile(r"\w{3,}(?:[oe]vi?ch|[oe]vy?ch|[oe]vna|ichna|ivna|yevich)")


def _with_patronymics(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """Mark the father's and forefathers' names of a person: a word after ``bin``/``ibn``
    that is not the last word (``Usama bin Muhammad ibn Awad ibn Ladin``: Muhammad, Awad
    and the particles before them), and Slavic patronymics (``Oleksandrovych``). A list
    gives them more often than a party does, so a missing one costs little."""
    last = len(tokens) - 1
    marked = [
        _SLAVIC_PATRONYMIC.fullmatch(t.text) is not None
        or (0 < i < last and tokens[i - 1].text in ("bin", "bint"))
        for i, t in enumerate(tokens)
    ]
    for i in range(len(tokens) - 1):
        if marked[i + 1] and tokens[i].kind == TokenKind.PARTICLE:
            marked[i] = True
    if not any(marked):
        return tokens
    return tuple(replace(t, patronymic=m) if m else t for t, m in zip(tokens, marked, strict=True))


def _person_order(text: str) -> str:
    # OFAC and UN write "LAST, First Middle"; one comma means that order.
    if text.count(",") == 1:
        last, first = text.split(",")
        return f"{first} {last}"
    return text


@lru_cache(maxsize=1 << 17)
def _token(word: str, schema: EntrySchema) -> Token:
    # a pure function of its arguments, asked for the same words name after name
    if word.isdigit() or (_ROMAN.match(word) and schema is not EntrySchema.PERSON):
        return Token(word, word, TokenKind.NUMBER, 0.5)
    if word in PARTICLES or (len(word) == 1 and schema is not EntrySchema.PERSON):
        return Token(word, word, TokenKind.PARTICLE, 0.25)
    if word in GENERIC_ORG and schema is not EntrySchema.PERSON:
        return Token(word, skeleton(word), TokenKind.GENERIC, 0.5)
    if schema is not EntrySchema.PERSON and is_place(word):
        return Token(word, skeleton(word), TokenKind.PLACE, 0.5)
    return Token(word, skeleton(word), TokenKind.WORD, 1.0)

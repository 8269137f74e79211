"""Name comparison: align the tokens of two normalised names and score the alignment.

Tokens pair up one to one, best similarity first, so word order does not matter.
A paired token that is a plausible typo, transliteration variant or initial adds
credit; a paired token that is a *different* word (``AL-DULAIMI`` against ``AL-TIKRITI``)
subtracts credit; a token with no partner (a middle name, a patronymic) costs a little
for persons and more for organisations, where an extra word often names a sibling
company (``Banco Santander`` against ``Banco Santander Chile``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from itertools import pairwise

from rapidfuzz.distance import OSA

from pallmall.screening.model import EntrySchema
from pallmall.screening.normalisation import (
    NormalisedName,
    Token,
    TokenKind,
    consonants,
    skeleton,
)

_FORM_TYPO = 0.6
_REPEATS = re.compile(r"(.)\1+")
# what makes a patronymic of a given name: Oleksandr -> Oleksandrovych, Ivan -> Ivanovna
_PATRONYMIC = re.compile(r"[oe]?v(?:ich|ych|itch|na|ic)|ovy?ch|evy?ch")


@dataclass(frozen=True)
class NameSettings:
    """The tunable constants of :func:`compare_names` (see docs/screening.md).

    ``conflict_below``: a paired token with similarity below this is a different word.
    ``conflict_cost``: how much such a pair subtracts, per unit of weight.
    ``extra_cost_person`` / ``extra_cost_org``: the cost of a token with no partner.
    ``legal_form_mismatch``: subtracted when both names carry legal forms and they differ.
    ``extra_cost_place`` / ``extra_cost_patronymic`` / ``number_extra_cost``: the cost, per
    unit of weight, of a place in an organisation name, a patronymic, a number with no
    partner; ``extra_cost_one_word``: of a list name's other words against a one-word
    person query. ``*_credit``: the similarity a kind of near-match earns (skeleton,
    initial, truncation, repeated letters, name symbol, scrambled letters, consonants of
    an Arabic- or Hebrew-script name). ``number_mismatch``: of two different numbers.
    """

    conflict_below: float = 0.72
    conflict_cost: float = 1.0
    extra_cost_person: float = 0.35
    extra_cost_org: float = 1.0
    legal_form_mismatch: float = 0.15
    skeleton_credit: float = 0.85
    initial_credit: float = 0.85
    prefix_credit: float = 0.8
    number_mismatch: float = 0.0
    repeat_credit: float = 0.95
    symbol_credit: float = 0.9
    order_penalty: float = 0.08
    joined_min: float = 0.93
    anagram_credit: float = 0.8
    extra_cost_place: float = 0.5
    extra_cost_patronymic: float = 0.15
    abjad_credit: float = 0.8
    extra_cost_one_word: float = 0.15
    number_extra_cost: float = 3.0

    @cached_property
    def spelling_similarity(self) -> Callable[[str, str], float]:
        """:func:`spelling_similarity` under these settings, memoised (the same word
        pairs come back screen after screen)."""
        return lru_cache(maxsize=1 << 18)(partial(spelling_similarity, settings=self))


@dataclass(frozen=True)
class TokenPair:
    """Two tokens the alignment paired, and their similarity in [0, 1]."""

    query: str
    candidate: str
    similarity: float


@dataclass(frozen=True)
class NameComparison:
    """The score of one query name against one list name, with the alignment behind it."""

    score: float
    pairs: tuple[TokenPair, ...]
    query_extra: tuple[str, ...]
    candidate_extra: tuple[str, ...]


def token_similarity(a: Token, b: Token, settings: NameSettings) -> float:
    """Similarity of two tokens in [0, 1]: 1 when equal; numbers and dotted initials only
    equal or not; an initial against a word it starts; else the best of edit-distance
    similarity, shared phonetic skeleton, truncation, scrambled letters, a shared given-name
    symbol, and (one side written in Arabic or Hebrew script) shared consonants."""
    if a.text == b.text:
        return 1.0
    if TokenKind.NUMBER in (a.kind, b.kind):
        both = a.kind == b.kind
        return settings.number_mismatch if both else 0.0
    if a.initials or b.initials:
        return 0.0  # a different letter among initials is another name
    similarity = settings.spelling_similarity(a.text, b.text)
    if a.symbols and b.symbols and a.symbols & b.symbols:
        similarity = max(similarity, settings.symbol_credit)
    if a.abjad != b.abjad and _same_consonants(a.text, b.text):
        similarity = max(similarity, settings.abjad_credit)
    return similarity


def spelling_similarity(a: str, b: str, settings: NameSettings) -> float:
    """The part of :func:`token_similarity` that depends on the two spellings only."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) == 1:
        return settings.initial_credit if long_.startswith(short) else 0.0
    squeezed_a, squeezed_b = squeeze(a), squeeze(b)
    if squeezed_a == squeezed_b:
        return settings.repeat_credit
    similarity = max(
        OSA.normalized_similarity(a, b),
        OSA.normalized_similarity(squeezed_a, squeezed_b) * settings.repeat_credit,
    )
    if (
        len(short) >= 4
        and 2 * len(short) >= len(long_)
        and long_.startswith(short)
        and not _PATRONYMIC.fullmatch(long_[len(short) :])
    ):
        similarity = max(similarity, settings.prefix_credit)
    if len(short) >= 6 and skeleton(a) == skeleton(b):
        similarity = max(similarity, settings.skeleton_credit)
    if len(short) >= 4 and len(short) == len(long_) and sorted(short) == sorted(long_):
        # scrambled or reversed letters (``nitup`` / ``putin``)
        similarity = max(similarity, settings.anagram_credit)
    return similarity


def compare_names(
    query: NormalisedName,
    candidate: NormalisedName,
    schema: EntrySchema,
    settings: NameSettings,
) -> NameComparison:
    """Score ``query`` against ``candidate`` in [0, 1] (1: the same name)."""
    if not query.tokens or not candidate.tokens:
        return NameComparison(0.0, (), (), ())
    if query.key == candidate.key:
        pair = TokenPair(query.key, candidate.key, 1.0)
        return NameComparison(_legal_form_score(1.0, query, candidate, settings), (pair,), (), ())
    q_tokens, c_tokens = query.tokens, candidate.tokens
    if _may_merge(query, candidate) or _may_merge(candidate, query):
        q_tokens, c_tokens = _merge_split_words(q_tokens, c_tokens, schema)
    pairs, q_extra, c_extra = _align(q_tokens, c_tokens, settings)
    if schema is not EntrySchema.PERSON:
        q_extra = _not_legal_form(q_extra, candidate.form_words)
        c_extra = _not_legal_form(c_extra, query.form_words)
    score = _alignment_score(pairs, q_extra + c_extra, schema, settings)
    if schema is EntrySchema.PERSON and _one_word(q_tokens) and not q_extra:
        # a one-word query (``Erdogan``) asks for everyone of that name: the list
        # name's other words are what the query did not say, not a difference
        score = _alignment_score(pairs, c_extra, schema, settings, settings.extra_cost_one_word)
    if schema is EntrySchema.PERSON and _crossed(pairs, q_tokens, c_tokens):
        score = max(0.0, score - settings.order_penalty)
    joined = _joined_similarity(query, candidate, settings)
    if joined > score:
        pair = TokenPair(query.key, candidate.key, round(joined, 4))
        return NameComparison(
            _legal_form_score(joined, query, candidate, settings), (pair,), (), ()
        )
    return NameComparison(
        _legal_form_score(score, query, candidate, settings),
        tuple(TokenPair(q.text, c.text, round(s, 4)) for q, c, s in pairs),
        tuple(t.text for t in q_extra),
        tuple(t.text for t in c_extra),
    )


def _align(
    query: tuple[Token, ...], candidate: tuple[Token, ...], settings: NameSettings
) -> tuple[list[tuple[Token, Token, float]], list[Token], list[Token]]:
    scored = [
        (token_similarity(q, c, settings), (q.weight + c.weight), -i, -j, i, j)
        for i, q in enumerate(query)
        for j, c in enumerate(candidate)
    ]
    scored.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[Token, Token, float]] = []
    for sim, _, _, _, i, j in scored:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        pairs.append((query[i], candidate[j], sim))
    q_extra = [t for i, t in enumerate(query) if i not in used_q]
    c_extra = [t for j, t in enumerate(candidate) if j not in used_c]
    return pairs, q_extra, c_extra


def _alignment_score(
    pairs: list[tuple[Token, Token, float]],
    extras: list[Token],
    schema: EntrySchema,
    settings: NameSettings,
    person_extra_cost: float | None = None,
) -> float:
    credit = total = 0.0
    for q, c, sim in pairs:
        if sim >= settings.conflict_below:
            weight = (q.weight + c.weight) / 2
            credit += weight * sim
        else:
            # a different word weighs as the lighter of the two (``xal`` / ``al``)
            weight = min(q.weight, c.weight)
            credit -= weight * settings.conflict_cost * (1.0 - sim)
        total += weight
    lenient = schema in (EntrySchema.PERSON, EntrySchema.VESSEL)
    extra_cost = settings.extra_cost_person if lenient else settings.extra_cost_org
    if lenient and person_extra_cost is not None:
        extra_cost = person_extra_cost
    for token in extras:
        total += token.weight * _extra_cost(token, extra_cost, settings)
    if total <= 0 or credit <= 0:
        return 0.0
    return round(min(1.0, credit / total), 4)


def _not_legal_form(extras: list[Token], form_words: frozenset[str]) -> list[Token]:
    """``extras`` less the words that misspell the other side's legal form (``Siemens AkG``
    / ``Siemens AG``, ``JOYNT STOCK COMPANY`` / ``JOINT STOCK COMPANY``)."""
    if not form_words:
        return extras
    return [
        t
        for t in extras
        if t.kind == TokenKind.NUMBER
        or max(OSA.normalized_similarity(t.text, w) for w in form_words) < _FORM_TYPO
    ]


def _one_word(tokens: tuple[Token, ...]) -> bool:
    return sum(1 for t in tokens if t.kind != TokenKind.PARTICLE) == 1


def _same_consonants(a: str, b: str) -> bool:
    # one side written in Arabic or Hebrew script, the other in Latin
    consonants_a = consonants(a)
    return len(consonants_a) >= 2 and consonants_a == consonants(b)


def _extra_cost(token: Token, cost: float, settings: NameSettings) -> float:
    # a number on one side only (``Fund I``, ``Victory 3``) names another entity; a
    # place on one side only (``Faberlic Europe``, ``Deutsche Bank (Schweiz)``) a branch
    if token.kind == TokenKind.NUMBER:
        return settings.number_extra_cost
    if token.patronymic:
        return min(cost, settings.extra_cost_patronymic)
    if token.kind == TokenKind.PLACE:
        return min(cost, settings.extra_cost_place)
    return cost


@lru_cache(maxsize=65536)
def squeeze(word: str) -> str:
    """``word`` with runs of one letter cut to one (``joonng`` -> ``jong``)."""
    return _REPEATS.sub(r"\1", word)


def _crossed(
    pairs: list[tuple[Token, Token, float]], query: tuple[Token, ...], candidate: tuple[Token, ...]
) -> bool:
    """True when two well-matched word pairs sit in opposite order on the two sides
    (``Hans Friedrich`` / ``Friedrich Hans``): given and family name swapped."""
    strong = [(query.index(q), candidate.index(c)) for q, c, s in pairs if s >= 0.85]
    strong = [(i, j) for i, j in strong if query[i].kind == TokenKind.WORD]
    strong.sort()
    return any(b[1] < a[1] for a, b in pairwise(strong))


def _joined_similarity(
    query: NormalisedName, candidate: NormalisedName, settings: NameSettings
) -> float:
    """Similarity of the names written without spaces, when their word split differs
    (``VladimirPutin``, ``AREFULLAHA REF``); 0 below ``joined_min`` or with numbers."""
    if any(t.kind == TokenKind.NUMBER for t in (*query.tokens, *candidate.tokens)):
        return 0.0
    similarity = OSA.normalized_similarity(query.key, candidate.key)
    return similarity if similarity >= settings.joined_min else 0.0


def _legal_form_score(
    score: float, query: NormalisedName, candidate: NormalisedName, settings: NameSettings
) -> float:
    # ``co`` (company, corporation, limited) says too little to conflict with anything
    forms_q, forms_c = query.legal_forms - {"co"}, candidate.legal_forms - {"co"}
    if forms_q and forms_c and not forms_q & forms_c:
        return max(0.0, score - settings.legal_form_mismatch)
    return score


def _may_merge(name: NormalisedName, other: NormalisedName) -> bool:
    """Whether a word of ``other`` may be several words of ``name`` run together or
    their initials (a quick test; :func:`_merge_split_words` decides)."""
    key, texts, letters = name.key, name.texts, name.initial_letters
    return any(t in key and t not in texts for t in other.texts) or any(
        a in letters for a in other.acronym_like
    )


def _merge_split_words(
    query: tuple[Token, ...], candidate: tuple[Token, ...], schema: EntrySchema
) -> tuple[tuple[Token, ...], tuple[Token, ...]]:
    """Join runs of 2-3 adjacent tokens whose concatenation is a token on the other side
    (``van der bilt`` / ``vanderbilt``, ``abdul rahman`` / ``abdulrahman``)."""
    query = _merge_into(query, {t.text for t in candidate})
    candidate = _merge_into(candidate, {t.text for t in query})
    if schema is not EntrySchema.PERSON or min(len(query), len(candidate)) > 1:
        # persons: initials stand for given names beside a family name (``JC Juncker``),
        # never for a whole name (``N.N.``)
        query = _merge_initials(query, candidate)
        candidate = _merge_initials(candidate, query)
    return query, candidate


def _merge_initials(tokens: tuple[Token, ...], other: tuple[Token, ...]) -> tuple[Token, ...]:
    """Join a run of 2-5 adjacent words whose initials spell an acronym on the other side
    (``peoples liberation army`` / ``pla``, ``jean claude`` / ``jc``); particles inside the
    run are skipped. The longest acronym found is taken, the leftmost among equals."""
    if len(tokens) < 2:
        return tokens
    words = [(i, t) for i, t in enumerate(tokens) if t.kind != TokenKind.PARTICLE]
    letters = "".join(t.text[0] for _, t in words)
    found = [  # longest first, then leftmost
        (len(t.text), -letters.find(t.text), t.text)
        for t in other
        if 2 <= len(t.text) <= 5
        and t.kind != TokenKind.PARTICLE
        and t.text in letters
        and t.text.isalpha()
    ]
    for _, minus_start, acronym in sorted(found, reverse=True):
        run = words[-minus_start : -minus_start + len(acronym)]
        if all(len(t.text) > 1 for _, t in run):
            first, last = run[0][0], run[-1][0]
            merged = Token(acronym, acronym, TokenKind.WORD, max(t.weight for _, t in run))
            return (*tokens[:first], merged, *tokens[last + 1 :])
    return tokens


def _merge_into(tokens: tuple[Token, ...], targets: set[str]) -> tuple[Token, ...]:
    if len(tokens) < 2:
        return tokens
    texts = [t.text for t in tokens]
    whole = "".join(texts)
    if not any(t in whole and t not in texts for t in targets):
        return tokens  # no word of the other side spans two of these
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        for width in (3, 2):
            run = tokens[i : i + width]
            joined = "".join(texts[i : i + width])
            if len(run) == width and joined in targets:
                out.append(Token(joined, joined, TokenKind.WORD, max(t.weight for t in run)))
                i += width
                break
        else:
            out.append(tokens[i])
            i += 1
    return tuple(out)

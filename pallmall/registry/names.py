"""Name keys: the folding that lets "NSO Group" find "NSO group" and "Intellexa S.A." stay apart
from "Intellexa Limited" (legal forms are kept; only case, accents and punctuation go)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+")


def name_key(name: str) -> str:
    """Fold ``name`` to lower-case ASCII-ish words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()

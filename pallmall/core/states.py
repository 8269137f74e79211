"""States: ISO 3166-1 alpha-2 codes, as state-body accounts, decisions and reports carry them."""

from __future__ import annotations

from functools import lru_cache

from rigour.territories import get_territory

from pallmall.core.errors import InvalidInput


@lru_cache(maxsize=512)
def _known(code: str) -> bool:
    territory = get_territory(code.lower())
    # an ISO 3166-1 country has an alpha-3 code too; rigour also holds regions ("eu") and
    # former states ("su"), which no account acts for
    return territory is not None and territory.alpha3 is not None and not territory.is_historical


def state_code(text: str, field: str = "state") -> str:
    """``text`` as an upper-case ISO 3166-1 alpha-2 code (``gb`` → ``GB``).

    Raises:
        InvalidInput: naming ``field``, when ``text`` is not the alpha-2 code of a current
            state (``UK``, ``EU``, ``GBR`` and ``United Kingdom`` are refused).
    """
    code = text.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha() or not _known(code):
        raise InvalidInput(field, f"{text!r} is not an ISO 3166-1 alpha-2 code of a state (GB)")
    return code

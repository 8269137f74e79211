"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV Injection").

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read as a formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)`` can leak data
or lure a click). Such a cell gets a leading apostrophe, which spreadsheets show as text.
Plain numbers (``-1.5``, ``+0.25``) are left as they are.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: object) -> str:
    """``value`` as CSV cell text, neutralised when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(TRIGGERS) and not _NUMBER.match(text):
        return "'" + text
    return text


def safe_row(values: dict[str, object]) -> dict[str, str]:
    """Every cell of a ``csv.DictWriter`` row through :func:`safe_cell`."""
    return {key: safe_cell(value) for key, value in values.items()}

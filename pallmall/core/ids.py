"""Identifiers: readable prefixes and stable, content-derived ids."""

from __future__ import annotations

import hashlib
import uuid


def new_id(prefix: str) -> str:
    """A fresh random id such as ``org-3f2a...`` (prefix, dash, 32 hex digits)."""
    return f"{prefix}-{uuid.uuid4().hex}"


def stable_id(prefix: str, *parts: str) -> str:
    """An id derived from ``parts``: the same inputs always give the same id.

    Used so that re-importing a source changes nothing (idempotent imports).
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{prefix}-{digest}"

"""Deterministic STIX identifiers: UUIDv5 over canonical JSON of an object's naming properties.

The recipe is OpenCTI's (pycti ``generate_id``): namespace
``00abedb4-aa42-466c-9c01-fed23315a9b7`` (the STIX 2.1 §2.9 SCO namespace), name = the
RFC 8785 canonical JSON of e.g. ``{"name": "<lower-cased, stripped name>"}``. A re-export
gives the same ids, and a platform that derives ids from names the same way agrees with us.
"""

from __future__ import annotations

import uuid
from typing import Any

import rfc8785

NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")


def stix_id(stix_type: str, **naming: Any) -> str:
    """``<stix_type>--<uuid5>`` from the naming properties (strings are compared as given)."""
    canonical = rfc8785.dumps(naming).decode("utf-8")
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, canonical)}"


def named_id(stix_type: str, name: str, **extra: Any) -> str:
    """The id of an SDO identified by its name (lower-cased and stripped) plus ``extra``."""
    return stix_id(stix_type, name=name.lower().strip(), **extra)


def relationship_id(relationship_type: str, source_ref: str, target_ref: str) -> str:
    """The id of a relationship (STIX 2.1 §5.1) from its type and both ends."""
    return stix_id(
        "relationship",
        relationship_type=relationship_type,
        source_ref=source_ref,
        target_ref=target_ref,
    )

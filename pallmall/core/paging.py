"""Pages of results: every list in pallmall is paged and says how many there are in all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pallmall.core.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 500
MAX_OFFSET = 10**9


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list: ``offset`` >= 0, 1 <= ``limit`` <= 500."""

    offset: int = 0
    limit: int = 50

    def __post_init__(self) -> None:
        if self.offset < 0:
            raise InvalidInput("offset", "must be 0 or more")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT}")


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items`` of a list of ``total`` items, starting at ``offset``."""

    items: Sequence[T]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        """Whether items follow this page."""
        return self.offset + len(self.items) < self.total

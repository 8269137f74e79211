"""A chart as the portal shows it: SVG, a title, a text alternative and its table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    """An SVG chart (``svg`` is an ``<svg>`` element, no XML prolog), its title, its
    text alternative and the rows of the table it shows (header first)."""

    title: str
    svg: str
    alt: str
    table: list[list[str]]

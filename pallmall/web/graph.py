"""A relationship graph as inline SVG, laid out on the server: readable without JavaScript."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    """A record on the graph."""

    id: str
    label: str
    type: str


@dataclass(frozen=True)
class Edge:
    """A labelled arrow from ``source`` to ``target``."""

    source: str
    target: str
    label: str


@dataclass(frozen=True)
class Placed:
    """A node with its position in the SVG's coordinates."""

    node: Node
    x: float
    y: float


def radial_layout(centre: Node, others: list[Node], size: int = 560) -> list[Placed]:
    """``centre`` in the middle and ``others`` evenly on a circle around it."""
    mid = size / 2
    placed = [Placed(centre, mid, mid)]
    radius = size * 0.36
    for i, node in enumerate(others):
        angle = 2 * math.pi * i / max(len(others), 1) - math.pi / 2
        placed.append(Placed(node, mid + radius * math.cos(angle), mid + radius * math.sin(angle)))
    return placed

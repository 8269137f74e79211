"""An in-memory :class:`~pallmall.log.proof.HashSource` over leaf hashes (tests, tools)."""

from __future__ import annotations

from collections.abc import Sequence

from pallmall.core.errors import InvalidInput
from pallmall.log._internal.ranges import NodeId
from pallmall.log.hashing import root_from_leaf_hashes


class MemoryHashSource:
    """Computes perfect-subtree hashes from leaf hashes held in memory; O(2**level) each."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.leaf_hashes = list(leaf_hashes)

    def node_hashes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """Return the hash of each ``(level, index)`` node; ``InvalidInput`` past the end."""
        out = []
        for level, index in nodes:
            begin, end = index << level, (index + 1) << level
            if end > len(self.leaf_hashes):
                raise InvalidInput("node", f"({level}, {index}) is past the tree's end")
            out.append(root_from_leaf_hashes(self.leaf_hashes[begin:end]))
        return out

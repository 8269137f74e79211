"""Range arithmetic for RFC 9162 trees: which perfect subtrees make up a range or a proof.

A node is ``(level, index)``: the perfect subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``.
"""

from __future__ import annotations

NodeId = tuple[int, int]
Range = tuple[int, int]


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """Perfect subtrees covering leaves ``[begin, end)``, left to right.

    For the ranges RFC 9162 recursion produces, folding their hashes from the right gives
    MTH(D[begin:end]).
    """
    nodes: list[NodeId] = []
    while begin < end:
        level = (begin & -begin).bit_length() - 1 if begin else 63
        while (1 << level) > end - begin:
            level -= 1
        nodes.append((level, begin >> level))
        begin += 1 << level
    return nodes


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """Ranges whose MTH form PATH(index, D[0:size]), bottom-up (RFC 9162 §2.1.3.1)."""
    begin, end = 0, size
    path: list[Range] = []
    while end - begin > 1:
        k = _split(end - begin)
        if index < begin + k:
            path.append((begin + k, end))
            end = begin + k
        else:
            path.append((begin, begin + k))
            begin += k
    path.reverse()
    return path


def consistency_ranges(old: int, size: int) -> list[Range]:
    """Ranges whose MTH form PROOF(old, D[0:size]), bottom-up (RFC 9162 §2.1.4.1).

    Requires ``0 < old < size``.
    """
    begin, end, whole = 0, size, True
    path: list[Range] = []
    while True:
        if old == end:
            if not whole:
                path.append((begin, end))
            break
        k = _split(end - begin)
        if old <= begin + k:
            path.append((begin + k, end))
            end = begin + k
        else:
            path.append((begin, begin + k))
            begin += k
            whole = False
    path.reverse()
    return path

"""Connected components over article numbers: copy clusters and stories both need them."""
from __future__ import annotations


class UnionFind:
    """Disjoint sets with path compression; the smaller number is a set's root."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def components(self, nodes) -> dict[int, list[int]]:
        """The members of each set among ``nodes``, keyed by the set's root, in ``nodes`` order."""
        comps: dict[int, list[int]] = {}
        for no in nodes:
            comps.setdefault(self.find(no), []).append(no)
        return comps

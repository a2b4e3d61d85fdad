"""A Whoosh collector that sees every matching article once: it collapses near-duplicates (one
hit per story) and remembers what facets and "+N similar" need.

Whoosh's own CollapseCollector miscounts: a document displaced by a better one of the same key
is neither counted as collapsed nor in the total. This one keeps, per cluster, every matching
document number, so the total, the collapsed counts and the similar ids are exact.
"""

from __future__ import annotations

from typing import Any

from whoosh.collectors import Collector, WrappingCollector

__all__ = ["ClusterCollector"]


class ClusterCollector(WrappingCollector):
    """Wraps a top-N collector; with ``collapse``, only the best article of each cluster reaches it."""

    def __init__(self, child: Collector, *, collapse: bool, field: str = "cluster") -> None:
        super().__init__(child)
        self.collapse = collapse
        self.field = field
        self.members: dict[Any, list[int]] = {}  # cluster → matching global docnums, in match order
        self.cluster_of: dict[int, Any] = {}  # global docnum → cluster
        self._best: dict[Any, tuple[Any, int]] = {}  # cluster → (sort key, global docnum) shown
        self._column: Any = None

    def prepare(self, top_searcher: Any, q: Any, context: Any) -> None:
        self.members = {}
        self.cluster_of = {}
        self._best = {}
        super().prepare(top_searcher, q, context)

    def set_subsearcher(self, subsearcher: Any, offset: int) -> None:
        super().set_subsearcher(subsearcher, offset)
        reader = subsearcher.reader()
        self._column = reader.column_reader(self.field) if reader.has_column(self.field) else None

    def _cluster(self, sub_docnum: int, global_docnum: int) -> Any:
        value = self._column[sub_docnum] if self._column is not None else None
        return value or ("#", global_docnum)  # no cluster recorded: the article stands alone

    def collect(self, sub_docnum: int) -> Any:
        """Called for every matching document (by Whoosh, or by a FilterCollector around this one)."""
        child = self.child
        global_docnum = self.offset + sub_docnum
        cluster = self._cluster(sub_docnum, global_docnum)
        self.members.setdefault(cluster, []).append(global_docnum)
        self.cluster_of[global_docnum] = cluster
        if not self.collapse:
            return child.collect(sub_docnum)
        sort_key = child.sort_key(sub_docnum)
        best = self._best.get(cluster)
        if best is None:
            self._best[cluster] = (sort_key, global_docnum)
            return child.collect(sub_docnum)
        if sort_key < best[0]:
            child.remove(best[1])
            self._best[cluster] = (sort_key, global_docnum)
            return child.collect(sub_docnum)
        return None

    @property
    def matched(self) -> int:
        """Every matching article, duplicates included."""
        return sum(len(m) for m in self.members.values())

    @property
    def total(self) -> int:
        """What the user can page through: stories when collapsing, articles otherwise."""
        return len(self.members) if self.collapse else self.matched

    def similar_to(self, global_docnum: int) -> list[int]:
        """The other matching articles of this hit's cluster (collapsed away under it)."""
        cluster = self.cluster_of.get(global_docnum)
        return [d for d in self.members.get(cluster, ()) if d != global_docnum]

    def all_docnums(self) -> list[int]:
        return [d for docs in self.members.values() for d in docs]

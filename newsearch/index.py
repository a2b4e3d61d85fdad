"""Create, open and write a newsearch index (a Whoosh index plus a small version file)."""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import orjson
from whoosh import index as whoosh_index
from whoosh.index import FileIndex, clean_files

from ._damage import WHOOSH_ERRORS, corrupt_error
from .pipeline import Builders, LocalBuilders, RunnerBuilders, WorkerBuilders
from .runners import DaskRunner
from .manifest import size_problems, write_manifest
from .merge import merge_all, merge_small
from .committed import CommittedLookup
from .segments import INDEX_NAME, TEMP_DIR
from .backend import CommitOnExit
from .errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    NewsearchError,
    SchemaVersionError,
)
from .duplicates import ClusterAssigner
from .models import Article, IndexReport, IndexStats
from .schema import SCHEMA_VERSION, article_of, build_schema, duplicate_signature

if TYPE_CHECKING:
    from .ranking import Ranking
    from .search import Searcher

__all__ = ["Index", "IndexWriter", "create_index", "open_index", "index_exists"]

VERSION_FILE = "newsearch.json"
WRITER_MEMORY_MB = 64  # Whoosh's own pool (unused: builders write the segments, newsearch.merge merges them)


def index_exists(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` holds a newsearch index (of any schema version)."""
    return (Path(path) / VERSION_FILE).is_file()


def _read_version(path: Path) -> Any:
    try:
        return orjson.loads((path / VERSION_FILE).read_bytes()).get("schema_version")
    except (OSError, orjson.JSONDecodeError, AttributeError):
        return "unreadable"


def create_index(path: str | os.PathLike[str], *, overwrite: bool = False) -> "Index":
    """Create an empty index at ``path``; with ``overwrite``, replace an index already there."""
    where = Path(path)
    if index_exists(where) and not overwrite:
        return open_index(where)
    if overwrite and where.exists():
        if any(where.iterdir()) and not index_exists(where) and not _is_whoosh_dir(where):
            raise NewsearchError(f"'{where}' is not empty and holds no newsearch index; refusing to overwrite it")
        shutil.rmtree(where)
    where.mkdir(parents=True, exist_ok=True)
    if any(p for p in where.iterdir() if not p.name.startswith(".")):
        raise NewsearchError(f"'{where}' is not empty and holds no newsearch index")
    whoosh_index.create_in(str(where), build_schema())
    (where / VERSION_FILE).write_bytes(orjson.dumps({"schema_version": SCHEMA_VERSION, "created": time.time()}))
    return open_index(where)


def _is_whoosh_dir(path: Path) -> bool:
    return any(p.suffix == ".toc" for p in path.iterdir())


def open_index(path: str | os.PathLike[str]) -> "Index":
    """Open the index at ``path``, checking that this version of newsearch can read it."""
    where = Path(path)
    if not index_exists(where):
        raise IndexNotFoundError(str(where))
    found = _read_version(where)
    if found != SCHEMA_VERSION:
        raise SchemaVersionError(str(where), found, SCHEMA_VERSION)
    try:
        ix = whoosh_index.open_dir(str(where))
    except whoosh_index.EmptyIndexError:
        raise IndexCorruptError(f"the index at '{where}' has no table of contents") from None
    except WHOOSH_ERRORS as exc:
        raise corrupt_error(where, exc) from None
    damage = size_problems(where, segment_ids(ix))
    if damage:
        ix.close()
        raise IndexCorruptError(f"the index at '{where}' is damaged: {damage[0]}")
    return Index(where, ix)


def segment_ids(ix: FileIndex) -> list[str]:
    """The ids of the index's live segments (their files are MAIN_<id>.*)."""
    return [segment.segment_id().removeprefix(f"{INDEX_NAME}_") for segment in ix._segments()]  # noqa: SLF001





def stale_temp_files(path: Path) -> list[Path]:
    """Sorting runs left by a writer that died (kill -9, power loss): its lock died with it."""
    temp = path / TEMP_DIR
    return sorted(temp.iterdir()) if temp.is_dir() else []


def remove_files(paths: list[Path]) -> int:
    """Delete what can be deleted (a file may be gone already)."""
    removed = 0
    for leftover in paths:
        try:
            leftover.unlink()
            removed += 1
        except OSError:
            pass
    return removed


class Index:
    """An open index. Use :meth:`writer` to add articles and :meth:`searcher` to search."""

    def __init__(self, path: Path, ix: FileIndex) -> None:
        self.path = path
        self._ix = ix

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._ix.close()

    def writer(self, *, wait: float = 0.0) -> "IndexWriter":
        """A writer that commits when its ``with`` block ends cleanly and cancels on an exception.

        ``wait`` is how many seconds to wait for another writer to finish.
        """
        return IndexWriter(self, self._whoosh_writer(wait))

    def _whoosh_writer(self, wait: float) -> Any:
        # Temporary files present before the lock is ours belong to writers that are gone by the
        # time we hold it (a live writer would still hold the lock); the new writer's are not listed.
        leftovers = stale_temp_files(self.path)
        try:
            # compound=False: whoosh3 reads each part of a compound file as an in-memory copy
            writer = self._ix.writer(timeout=wait, limitmb=WRITER_MEMORY_MB, compound=False)
        except whoosh_index.LockError:
            raise IndexLockedError(f"another process is writing to the index at '{self.path}'") from None
        remove_files(leftovers)
        return writer

    def optimize(self, *, wait: float = 0.0) -> int:
        """Merge every segment into one (deleted articles dropped); returns how many segments
        there were. Holds the index lock meanwhile: searches go on, other writers wait."""
        before = len(segment_ids(self._ix))
        with self.writer(wait=wait) as writer:
            writer.optimize()
        return before

    def searcher(self, ranking: "Ranking | None" = None) -> "Searcher":
        """A searcher; ``ranking`` overrides the default relevance settings (for experiments)."""
        from .ranking import DEFAULT_RANKING
        from .search import Searcher

        return Searcher(self, ranking or DEFAULT_RANKING)

    def whoosh(self) -> FileIndex:
        """The underlying Whoosh index, for advanced uses."""
        return self._ix

    def latest_generation(self, known: int | None = None) -> int:
        """The index's latest committed generation. With ``known`` (one read earlier), two file
        checks say whether a writer has committed since — Whoosh deletes every other table of
        contents when it commits — instead of a listing of the folder (600 files at 350k
        articles: 0.3 ms a search)."""
        if known is not None and known >= 0:
            folder = os.fspath(self.path)
            if (os.path.exists(os.path.join(folder, f"_{INDEX_NAME}_{known}.toc"))
                    and not os.path.exists(os.path.join(folder, f"_{INDEX_NAME}_{known + 1}.toc"))):
                return known
        return self._ix.latest_generation()

    def doc_count(self) -> int:
        return self._ix.doc_count()

    def get(self, article_id: str) -> Article:
        """The stored article with this id."""
        try:
            with self._ix.searcher() as searcher:
                stored = searcher.document(id=article_id)
        except WHOOSH_ERRORS as exc:
            raise corrupt_error(self.path, exc) from None
        if stored is None:
            raise ArticleNotFoundError(article_id)
        return article_of(stored)

    def stats(self) -> IndexStats:
        categories: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        dates = []
        with self._ix.searcher() as searcher:
            for stored in searcher.all_stored_fields():
                meta = orjson.loads(stored.get("meta") or b"{}")
                categories[meta.get("category") or "(none)"] += 1
                sources[meta.get("source") or "(none)"] += 1
                if meta.get("published"):
                    dates.append(meta["published"])
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        parsed = sorted(datetime.fromisoformat(d) for d in dates)
        return IndexStats(
            path=str(self.path),
            articles=self.doc_count(),
            schema_version=SCHEMA_VERSION,
            size_bytes=size,
            oldest=parsed[0] if parsed else None,
            newest=parsed[-1] if parsed else None,
            categories=tuple(categories.most_common()),
            sources=tuple(sources.most_common()),
        )


class IndexWriter(CommitOnExit):
    """Adds articles (replacing any with the same id); a context manager that commits or cancels.

    Articles are analysed and written into new segments by builders (here or in worker processes,
    :mod:`newsearch.pipeline`); this object holds the index lock, decides near-duplicate clusters,
    and commits: the new segments join the index, and committed copies of replaced articles are
    deleted, in one step."""

    def __init__(self, index: Index, whoosh_writer: Any) -> None:
        self._index = index
        self._writer = whoosh_writer
        self._reader = index.whoosh().reader()
        self._open_lookup: CommittedLookup | None = None  # made on the first look-up: a delete needs none
        self._builders: Builders | None = None
        self._seen: set[str] = set()
        self._replacing: set[str] = set()  # ids of this session with a committed copy to delete
        # Near-duplicate clusters: this session's articles in memory, committed ones found
        # through the index's own dup_bands postings.
        self._clusters = ClusterAssigner()
        self._started = time.perf_counter()
        self._optimize = False
        self.report = IndexReport()

    def _builders_for(self, workers: int, dask: str | None = None) -> Builders:
        if self._builders is None:
            path = self._index.path
            if dask:
                self._builders = RunnerBuilders(path, DaskRunner(dask))
            else:
                self._builders = WorkerBuilders(path, workers) if workers > 0 else LocalBuilders(path)
        return self._builders

    def _lookup(self) -> CommittedLookup:
        """The look-up of committed ids and band keys (reading the segments' directories: made when
        first needed, after each commit)."""
        if self._open_lookup is None:
            self._open_lookup = CommittedLookup(self._reader)
        return self._open_lookup

    def _close_lookup(self) -> None:
        if self._open_lookup is not None:
            self._open_lookup.close()
            self._open_lookup = None

    def _committed(self, article_id: str) -> bool:
        """Whether the id is in the last commit (and not deleted)."""
        return any(True for _ in self._lookup().live("id", article_id))

    def add(self, article: Article) -> None:
        """Analyse and add one article; an article with the same id is replaced."""
        self._add(article, self._builders_for(0))

    def _add(self, article: Article, builders: Builders) -> None:
        article_id = article.id
        if article_id in self._seen:
            self.report.replaced += 1
        elif self._committed(article_id):
            self.report.replaced += 1
            self._replacing.add(article_id)
        else:
            self.report.added += 1
        self._seen.add(article_id)
        sig = duplicate_signature(article)
        builders.add(article, sig, self._cluster_of(article_id, sig))

    def _cluster_of(self, article_id: str, sig: bytes | None) -> str:
        def committed_with_bands(keys: list[str]) -> list[list[tuple[str, str, bytes]]]:
            # A committed near-duplicate shares most of the 16 band keys: read it once, not once per key.
            lookup, read = self._lookup(), {}
            for hits in (found := lookup.live_many("dup_bands", keys)):
                for leaf, docnum in hits:
                    if (id(leaf), docnum) not in read:
                        read[id(leaf), docnum] = lookup.duplicate_candidate(leaf, docnum)
            return [[read[id(leaf), docnum] for leaf, docnum in hits] for hits in found]

        return self._clusters.assign(article_id, sig, committed_with_bands)

    def add_many(
        self,
        articles: Iterable[Article],
        progress: Callable[[int], None] | None = None,
        *,
        workers: int = 0,
        commit_every: int | None = None,
        dask: str | None = None,
    ) -> IndexReport:
        """Add every article; ``progress`` is called after each with the count so far.

        With ``workers`` ≥ 1, the articles are analysed and written in that many other processes;
        with ``dask`` (a scheduler address), analysed on that Dask cluster and written here.
        With ``commit_every``, the articles added so far are committed after every that many: an
        interrupted run keeps them.
        """
        builders = self._builders_for(workers, dask)
        for count, article in enumerate(articles, start=1):
            self._add(article, builders)
            if commit_every and count % commit_every == 0:
                self.checkpoint()
            if progress is not None:
                progress(count)
        return self.report

    def checkpoint(self) -> None:
        """Commit what was added so far and go on writing (the lock is taken again at once)."""
        self._commit_whoosh()
        self._writer = self._index._whoosh_writer(wait=60.0)
        self._reader = self._index.whoosh().reader()
        self._seen.clear()  # committed articles are found through the reader from now on
        self._replacing.clear()
        self._clusters.clear()

    def optimize(self) -> None:
        """Merge the whole index into one segment at commit (queries read one segment instead of
        several: ≈ 10% faster on a bulk-loaded index; the merge takes about half the time indexing
        took)."""
        self._optimize = True

    def delete(self, article_id: str) -> bool:
        """Delete the article with this id; True if there was one."""
        found = bool(self._writer.delete_by_term("id", article_id))
        if self._builders is not None and self._builders.delete(article_id):
            found = True
        self._seen.discard(article_id)
        self._replacing.discard(article_id)
        return found

    def commit(self) -> IndexReport:
        try:
            self._commit_whoosh()
        finally:
            self._close_builders()
        self.report.seconds = time.perf_counter() - self._started
        return self.report

    def _commit_whoosh(self) -> None:
        self._close_lookup()  # nothing is looked up from here on: its memory goes before the workers' peak
        try:
            segments = self._builders.finish() if self._builders is not None else []
        except NewsearchError:
            self.cancel()
            raise
        self._reader.close()
        for article_id in self._replacing:
            self._writer.delete_by_term("id", article_id)

        policy = merge_all if self._optimize else merge_small
        def keep_and_add(writer: Any, existing: list[Any]) -> list[Any]:
            # The builders' segments join the index; small segments (many short runs) are merged
            # by tiers, or everything into one when asked to optimize (newsearch.merge).
            return policy(writer.storage, writer.schema, [*existing, *segments])

        try:
            self._writer.commit(mergetype=keep_and_add)
            write_manifest(self._index.path, segment_ids(self._index.whoosh()))
        except WHOOSH_ERRORS as exc:
            raise IndexCorruptError(f"could not commit to the index at '{self._index.path}': {exc}") from None

    def _close_builders(self) -> None:
        if self._builders is not None:
            self._builders.close()
            self._builders = None

    def cancel(self) -> None:
        """Forget everything since the last commit, including segments the builders wrote."""
        self._close_builders()
        self._reader.close()
        self._close_lookup()
        writer = self._writer
        if not writer.is_closed:
            # Whoosh's cancel() without the files: close the writer's own segment, delete every
            # segment file the index does not list, and only then give the lock up.
            writer._close_segment()  # noqa: SLF001 - whoosh3 is pinned exactly
            clean_files(writer.storage, writer.indexname, writer.generation - 1, writer.segments)
            writer._finish()  # noqa: SLF001

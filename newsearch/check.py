"""``newsearch check``: read a whole index and say whether it is sound, and how to recover if not."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import orjson

from ._damage import WHOOSH_ERRORS
from .errors import NewsearchError
from .index import open_index, segment_ids, stale_temp_files
from .manifest import checksum_problems
from .schema import TEXT_FIELDS, article_of

__all__ = ["CheckReport", "check_index"]


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What a check found. ``problems`` make the index unusable; ``notes`` do not."""

    path: str
    articles: int
    segments: int
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def check_index(path: str | os.PathLike[str]) -> CheckReport:
    """Open the index, read every stored article and every term dictionary, and count ids."""
    where = Path(path)
    try:
        ix = open_index(where)
    except NewsearchError as exc:
        return CheckReport(str(where), 0, 0, problems=(str(exc),))
    problems: list[str] = []
    articles = segments = 0
    with ix:
        try:
            whoosh = ix.whoosh()
            segments = len(whoosh._segments())  # noqa: SLF001 - Whoosh has no public accessor
            problems += checksum_problems(where, segment_ids(whoosh))
            with whoosh.reader() as reader:
                seen: set[str] = set()
                for _, stored in reader.iter_docs():
                    article = article_of(stored)
                    if article.id in seen:
                        problems.append(f"article id '{article.id}' is in the index twice")
                    seen.add(article.id)
                articles = len(seen)
                for field in (*TEXT_FIELDS, *(f"{name}_fold" for name in TEXT_FIELDS), "entities", "id"):
                    for _ in reader.lexicon(field):
                        pass
                if reader.doc_count() != articles:
                    problems.append(f"the index counts {reader.doc_count()} articles but holds {articles}")
        except (*WHOOSH_ERRORS, orjson.JSONDecodeError, KeyError, ValueError) as exc:
            problems.append(f"damaged index data ({type(exc).__name__}: {exc})")
    leftovers = stale_temp_files(where)
    notes = (f"{len(leftovers)} temporary files of an interrupted indexing run (the next `newsearch index` removes them)",) if leftovers else ()
    return CheckReport(str(where), articles, segments, tuple(problems), notes)

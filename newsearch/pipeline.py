"""Analysis in worker processes: pyvi is the expensive part of indexing, Whoosh writing is not.

Articles stream through in small ordered chunks with a bounded number in flight, so memory stays
flat whatever the corpus size, and the writer receives documents in input order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from itertools import islice
from typing import Any, Iterable, Iterator

from .analysis import analyze_article
from .models import Article
from .schema import document_of

__all__ = ["analyzed_documents", "default_workers", "CHUNK_SIZE"]

CHUNK_SIZE = 16
Document = dict[str, Any]


def default_workers() -> int:
    """Analysis processes: one per core. The Whoosh writer shares them; measured on 2 cores,
    2 workers index 145 articles/s, 1 worker 132/s, none 106/s."""
    return max(1, os.cpu_count() or 1)


def analyze_chunk(articles: list[Article]) -> list[Document]:
    return [document_of(analyze_article(article)) for article in articles]


def _chunks(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(articles)
    while chunk := list(islice(iterator, size)):
        yield chunk


def analyzed_documents(articles: Iterable[Article], *, workers: int = 1) -> Iterator[Document]:
    """Whoosh documents for ``articles``, in order, analysed in ``workers`` processes
    (``workers=0``: in this process)."""
    if workers <= 0:
        for chunk in _chunks(articles, CHUNK_SIZE):
            yield from analyze_chunk(chunk)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers) as pool:
        pending: deque[Any] = deque()
        for chunk in _chunks(articles, CHUNK_SIZE):
            pending.append(pool.apply_async(analyze_chunk, (chunk,)))
            while len(pending) > 2 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()

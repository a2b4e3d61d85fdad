"""Where articles are analysed and written: in this process, or in worker processes that each
build their own segments.

Analysis (pyvi) and writing postings are the two costs of indexing, and both happen in the
workers: each worker analyses the articles routed to it (by a hash of the id, so the copies of an
article always meet in one worker) and writes them into its own segments with a
:class:`~newsearch.segments.SegmentBuilder`. The process holding the index lock only reads the
input, assigns near-duplicate clusters, and commits the workers' segments. Queues are bounded, so
memory stays flat whatever the corpus size.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import zlib
from collections import deque
from pathlib import Path
from typing import Any, Protocol

from .analysis import analyze_article
from .errors import NewsearchError
from .models import Article
from .schema import document_of
from .runners import BatchRunner, result_of
from .segments import SEGMENT_MEMORY_MB, SegmentBuilder

__all__ = ["Builders", "LocalBuilders", "WorkerBuilders", "RunnerBuilders", "build_document", "build_documents",
           "default_workers", "CHUNK_SIZE"]

CHUNK_SIZE = 16  # articles sent to a worker at once
QUEUED_CHUNKS = 4  # chunks waiting per worker before the reader blocks
REPLY_POLL = 1.0  # seconds between checks that the workers are alive


def default_workers() -> int:
    """Worker processes: one per core (each analyses and writes)."""
    return max(1, os.cpu_count() or 1)


def build_document(article: Article, sig: bytes | None, cluster: str) -> dict[str, Any]:
    """Analyse one article into its Whoosh document."""
    return document_of(analyze_article(article), sig=sig, cluster=cluster)


def build_documents(batch: list[tuple[Article, bytes | None, str]]) -> list[dict[str, Any]]:
    """Analyse a batch of (article, signature, cluster): what a Dask worker runs."""
    return [build_document(article, sig, cluster) for article, sig, cluster in batch]


class Builders(Protocol):
    """Analyses and writes articles into new segments; the caller commits what :meth:`finish` returns."""

    def add(self, article: Article, sig: bytes | None, cluster: str) -> None: ...

    def delete(self, article_id: str) -> bool: ...

    def finish(self) -> list[Any]: ...

    def close(self) -> None: ...


class LocalBuilders:
    """Everything in this process (``workers=0``, or a single article)."""

    def __init__(self, path: Path, memory_mb: int = SEGMENT_MEMORY_MB) -> None:
        self._builder = SegmentBuilder(path, memory_mb)

    def add(self, article: Article, sig: bytes | None, cluster: str) -> None:
        self._builder.add(build_document(article, sig, cluster))

    def delete(self, article_id: str) -> bool:
        return self._builder.delete(article_id)

    def finish(self) -> list[Any]:
        return self._builder.finish()

    def close(self) -> None:
        self._builder.discard()


class RunnerBuilders:
    """Analysis on a batch runner (a Dask cluster: :mod:`newsearch.runners`), segments written here,
    in the order the articles came."""

    BATCH = 64

    def __init__(self, path: Path, runner: BatchRunner, memory_mb: int = SEGMENT_MEMORY_MB) -> None:
        self._builder = SegmentBuilder(path, memory_mb)
        self._runner = runner
        self._batch: list[tuple[Article, bytes | None, str]] = []
        self._in_flight: deque[Any] = deque()

    def add(self, article: Article, sig: bytes | None, cluster: str) -> None:
        self._batch.append((article, sig, cluster))
        if len(self._batch) >= self.BATCH:
            self._submit()

    def _submit(self) -> None:
        if self._batch:
            batch, self._batch = self._batch, []
            self._in_flight.append(self._runner.submit(build_documents, batch))
        while len(self._in_flight) > self._runner.slots:
            self._write(self._in_flight.popleft())

    def _write(self, future: Any) -> None:
        for document in result_of(future):
            self._builder.add(document)

    def _drain(self) -> None:
        self._submit()
        while self._in_flight:
            self._write(self._in_flight.popleft())

    def delete(self, article_id: str) -> bool:
        self._drain()
        return self._builder.delete(article_id)

    def finish(self) -> list[Any]:
        self._drain()
        return self._builder.finish()

    def close(self) -> None:
        self._in_flight.clear()
        self._builder.discard()
        self._runner.close()


class WorkerError(NewsearchError):
    """A worker process failed or died; nothing since the last commit is kept."""


def _work(path: str, memory_mb: int, tasks: Any, replies: Any, number: int, parent: int) -> None:
    """A worker's loop: add, delete and finish on request; stop when told or when the parent is gone."""
    builder = SegmentBuilder(path, memory_mb)
    failure = ""
    while True:
        try:
            message = tasks.get(timeout=REPLY_POLL)
        except queue.Empty:
            if os.getppid() != parent:  # the indexer was killed: nothing will be committed
                builder.discard()
                return
            continue
        kind = message[0]
        if kind == "stop":
            builder.discard()
            return
        try:
            if kind == "add" and not failure:
                for article, sig, cluster in message[1]:
                    builder.add(build_document(article, sig, cluster))
            elif kind == "delete":
                replies.put((number, "error", failure) if failure else (number, "deleted", builder.delete(message[1])))
            elif kind == "finish":
                replies.put((number, "error", failure) if failure else (number, "segments", builder.finish()))
                builder, failure = SegmentBuilder(path, memory_mb), ""
        except Exception as exc:  # reported to the parent at its next request
            failure = failure or f"{type(exc).__name__}: {exc}"
            if kind != "add":
                replies.put((number, "error", failure))


class WorkerBuilders:
    """``workers`` processes, each analysing its share of the articles and writing its own segments."""

    def __init__(self, path: Path, workers: int, memory_mb: int = SEGMENT_MEMORY_MB) -> None:
        context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        self._tasks = [context.Queue(QUEUED_CHUNKS) for _ in range(workers)]
        self._replies = context.Queue()
        self._buffers: list[list[tuple[Article, bytes | None, str]]] = [[] for _ in range(workers)]
        self._processes = [
            context.Process(target=_work, args=(str(path), memory_mb, tasks, self._replies, number, os.getpid()), daemon=True)
            for number, tasks in enumerate(self._tasks)
        ]
        for process in self._processes:
            process.start()

    def _route(self, article_id: str) -> int:
        return zlib.crc32(article_id.encode()) % len(self._processes)

    def add(self, article: Article, sig: bytes | None, cluster: str) -> None:
        number = self._route(article.id)
        buffer = self._buffers[number]
        buffer.append((article, sig, cluster))
        if len(buffer) >= CHUNK_SIZE:
            self._flush(number)

    def delete(self, article_id: str) -> bool:
        number = self._route(article_id)
        self._flush(number)
        self._send(number, ("delete", article_id))
        return bool(self._replies_from([number])[number])

    def finish(self) -> list[Any]:
        for number in range(len(self._processes)):
            self._flush(number)
            self._send(number, ("finish",))
        replies = self._replies_from(list(range(len(self._processes))))
        return [segment for number in sorted(replies) for segment in replies[number]]

    def close(self) -> None:
        for number, process in enumerate(self._processes):
            if process.is_alive():
                try:
                    self._tasks[number].put(("stop",), timeout=REPLY_POLL)
                except queue.Full:
                    pass
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
        for tasks in (*self._tasks, self._replies):
            tasks.close()
            tasks.cancel_join_thread()

    # -- internals

    def _flush(self, number: int) -> None:
        if self._buffers[number]:
            self._send(number, ("add", self._buffers[number]))
            self._buffers[number] = []

    def _send(self, number: int, message: tuple[Any, ...]) -> None:
        while True:
            self._check_alive(number)
            try:
                self._tasks[number].put(message, timeout=REPLY_POLL)
                return
            except queue.Full:
                continue

    def _check_alive(self, number: int) -> None:
        process = self._processes[number]
        if not process.is_alive():
            raise WorkerError(f"indexing worker process {number + 1} died (exit code {process.exitcode})")

    def _replies_from(self, numbers: list[int]) -> dict[int, Any]:
        owed, received = set(numbers), {}
        while owed:
            try:
                number, kind, value = self._replies.get(timeout=REPLY_POLL)
            except queue.Empty:
                for number in owed:
                    self._check_alive(number)
                continue
            if kind == "error":
                raise WorkerError(f"indexing failed in worker process {number + 1}: {value}")
            owed.discard(number)
            received[number] = value
        return received

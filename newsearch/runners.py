"""Where batches of analysis run: in this process, in local worker processes, or on a Dask cluster.

pyvi is the expensive step of indexing (≈ 180 articles per CPU-second); a national archive's
analysis is spread over a Dask cluster (``--dask tcp://HOST:8786``, the ``newsearch[dask]`` extra),
a single machine's over its cores. Results come back in submission order with a bounded number of
batches in flight, so memory stays flat whatever the corpus size.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Protocol, TypeVar

from .errors import NewsearchError

__all__ = ["BatchRunner", "InlineRunner", "ProcessRunner", "DaskRunner", "DaskError", "make_runner", "ordered_map", "result_of"]

T = TypeVar("T")
R = TypeVar("R")


class DaskError(NewsearchError):
    """The Dask cluster is unreachable, or the extra is not installed."""


class BatchRunner(Protocol):
    """Runs ``fn(batch)`` somewhere and returns a future of its result."""

    slots: int  # batches worth keeping in flight

    def submit(self, fn: Callable[[T], R], batch: T) -> Any: ...

    def close(self) -> None: ...


class InlineRunner:
    """In this process, at once (no workers)."""

    slots = 1

    def submit(self, fn: Callable[[T], R], batch: T) -> Future[R]:
        future: Future[R] = Future()
        try:
            future.set_result(fn(batch))
        except BaseException as exc:  # handed to whoever reads the result
            future.set_exception(exc)
        return future

    def close(self) -> None:
        pass


class ProcessRunner:
    """Local worker processes (one per core by default)."""

    def __init__(self, workers: int) -> None:
        self.slots = 2 * workers
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn: Callable[[T], R], batch: T) -> Future[R]:
        return self._pool.submit(fn, batch)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskRunner:
    """A Dask cluster: ``address`` is its scheduler (``tcp://HOST:8786``)."""

    def __init__(self, address: str, timeout: float = 5.0) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise DaskError("--dask needs the Dask extra; install it with: pip install 'newsearch[dask]'") from None
        try:
            self._client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise DaskError(f"no Dask scheduler answers at {address} ({exc}); start one with `dask scheduler` "
                            "and workers with `dask worker ADDRESS`, or leave out --dask") from None
        workers = max(1, sum(self._client.nthreads().values()))
        self.slots = 2 * workers

    def submit(self, fn: Callable[[T], R], batch: T) -> Any:
        return self._client.submit(fn, batch, pure=False)

    def close(self) -> None:
        self._client.close()


def make_runner(workers: int, dask: str | None = None) -> BatchRunner:
    """A Dask runner when ``dask`` names a scheduler, else worker processes (or none when 0)."""
    if dask:
        return DaskRunner(dask)
    return ProcessRunner(workers) if workers > 0 else InlineRunner()


def ordered_map(runner: BatchRunner, fn: Callable[[T], R], batches: Iterable[T]) -> Iterator[R]:
    """``fn`` over every batch on the runner, results in order, at most ``runner.slots`` in flight."""
    pending: deque[Any] = deque()
    for batch in batches:
        pending.append(runner.submit(fn, batch))
        while len(pending) > runner.slots:
            yield result_of(pending.popleft())
    while pending:
        yield result_of(pending.popleft())


def result_of(future: Any) -> Any:
    """A batch's result; a lost worker or cluster becomes a one-line :class:`DaskError`."""
    try:
        return future.result()
    except NewsearchError:
        raise
    except (OSError, TimeoutError) as exc:
        raise DaskError(f"an analysis worker failed ({exc}); check the workers and re-run") from None

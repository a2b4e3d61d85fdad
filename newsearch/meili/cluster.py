"""Independent Meilisearch instances as one sharded, replicated store.

Meilisearch's own sharding and replication are Enterprise-only, so newsearch does it: an article
lives on shard ``crc32(id) % N`` (stable across runs and machines); every replica of a shard gets
the same writes; a search asks one healthy replica of every shard, in parallel.

Written as ``--meili 'http://a:7700|http://a2:7700,http://b:7700'``: commas separate shards, ``|``
separates the replicas of one shard.
"""

from __future__ import annotations

import itertools
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from .client import MeiliClient, MeiliError, MeiliUnavailableError

__all__ = ["Shard", "MeiliCluster", "parse_cluster_spec", "shard_of", "API_KEY_VARIABLE"]

API_KEY_VARIABLE = "NEWSEARCH_MEILI_KEY"  # keys come from the environment, never the command line
READ_RETRIES = 1  # a search tries each replica twice, then reports the shard missing

T = TypeVar("T")


def shard_of(article_id: str, shards: int) -> int:
    """The shard an article lives on: a stable hash of its id."""
    return zlib.crc32(article_id.encode("utf-8")) % shards


def parse_cluster_spec(spec: str) -> list[list[str]]:
    """``'a|a2,b'`` → ``[['a', 'a2'], ['b']]``: shards, each a list of replica addresses."""
    shards = [[url.strip() for url in part.split("|") if url.strip()] for part in spec.split(",")]
    if not spec.strip() or any(not replicas for replicas in shards):
        raise MeiliError(f"'{spec}' names no Meilisearch shard; write --meili http://HOST:PORT[,http://HOST2:PORT...]")
    return shards


@dataclass(eq=False)
class Shard:
    """One shard: its number and its replicas (the first is tried first)."""

    number: int
    replicas: list[MeiliClient]
    readers: list[MeiliClient] = field(default_factory=list)  # the replicas with fewer retries, for searches

    def __post_init__(self) -> None:
        self.readers = self.readers or [client.with_retries(READ_RETRIES) for client in self.replicas]

    @property
    def name(self) -> str:
        return f"shard {self.number + 1} ({' | '.join(c.url for c in self.replicas)})"


class MeiliCluster:
    """The shards of one logical index (``index_name`` on every instance)."""

    def __init__(self, shards: list[list[str]], index_name: str = "newsearch", api_key: str | None = None,
                 *, retries: int = 3, timeout: float = 30.0) -> None:
        key = api_key if api_key is not None else os.environ.get(API_KEY_VARIABLE) or None
        self.index_name = index_name
        self.shards = [Shard(n, [MeiliClient(url, key, retries=retries, timeout=timeout) for url in urls])
                       for n, urls in enumerate(shards)]
        self._turn = itertools.count()  # rotates the first replica tried, to spread readers
        self._pool = ThreadPoolExecutor(max_workers=max(4, 2 * sum(len(s.replicas) for s in self.shards)),
                                        thread_name_prefix="newsearch-meili")

    @classmethod
    def from_spec(cls, spec: str, index_name: str = "newsearch", api_key: str | None = None, **options: Any) -> "MeiliCluster":
        return cls(parse_cluster_spec(spec), index_name, api_key, **options)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    @property
    def path(self) -> str:
        """Where the index lives, for messages."""
        return f"meilisearch:{','.join('|'.join(c.url for c in s.replicas) for s in self.shards)}/{self.index_name}"

    def shard_for(self, article_id: str) -> Shard:
        return self.shards[shard_of(article_id, len(self.shards))]

    def index_path(self, suffix: str = "") -> str:
        return f"/indexes/{self.index_name}{suffix}"

    def write(self, shard: Shard, action: Callable[[MeiliClient], T]) -> list[T]:
        """Run a write on every replica of a shard (in parallel); one unreachable replica fails it."""
        futures = [self._pool.submit(action, client) for client in shard.replicas]
        results, failure = [], None
        for future in futures:
            try:
                results.append(future.result())
            except MeiliUnavailableError as exc:
                failure = failure or MeiliUnavailableError(
                    f"{shard.name} stays unreachable: {exc}; start it again (its writes were not applied), "
                    "then re-run the indexing")
            except MeiliError as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return results

    def write_all(self, action: Callable[[MeiliClient], T]) -> list[T]:
        """Run a write on every replica of every shard."""
        futures = [self._pool.submit(self.write, shard, action) for shard in self.shards]
        return [r for future in futures for r in future.result()]

    def read(self, shard: Shard, action: Callable[[MeiliClient], T]) -> T:
        """Run a read on one replica of the shard, trying the next when one is unreachable."""
        start = next(self._turn) % len(shard.readers)
        order = shard.readers[start:] + shard.readers[:start]
        for client in order[:-1]:
            try:
                return action(client)
            except MeiliUnavailableError:
                continue
        try:
            return action(order[-1])
        except MeiliUnavailableError as exc:
            raise MeiliUnavailableError(f"{shard.name} is unreachable: {exc}") from None

    def read_each(self, action: Callable[[MeiliClient], T]) -> tuple[list[tuple[Shard, T]], list[str]]:
        """Run a read on every shard in parallel: the answers of the shards that answered, and one
        warning per shard that did not (its articles are missing from what the caller builds)."""
        futures = [(shard, self._pool.submit(self.read, shard, action)) for shard in self.shards]
        answers, missing = [], []
        for shard, future in futures:
            try:
                answers.append((shard, future.result()))
            except MeiliUnavailableError:
                missing.append(shard)
        if not answers:
            raise MeiliUnavailableError(f"no shard of {self.path} answers")
        warnings = [f"{shard.name} is unreachable: results are partial ({len(answers)} of {len(self.shards)} shards answered)"
                    for shard in missing]
        return answers, warnings

"""Backends for the benchmarks: the embedded index, Meilisearch shards (local instances started
here from the pinned package, or yours with --meili), and a local Dask cluster.

    --backend whoosh,meilisearch --shards 1,2          # local Meilisearch instances, started and stopped here
    --backend meilisearch --meili http://a:7700,http://b:7700   # your instances (key: $NEWSEARCH_MEILI_KEY)
"""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def meili_system_name(shards: int) -> str:
    return f"newsearch-meili-{shards}sh"


class MeiliFleet:
    """Meilisearch shards for a benchmark run: ``spec_for(n)`` names the first n of them."""

    def __init__(self, workdir: Path, count: int, external: str | None = None) -> None:
        self.urls: list[str] = []
        self.pids: list[int] = []
        self._stack = ExitStack()
        if external:
            self.urls = [u.strip() for u in external.split(",") if u.strip()]
            return
        from tests.meili_server import MASTER_KEY, MeiliInstance, meilisearch_binary

        binary = meilisearch_binary()
        os.environ["NEWSEARCH_MEILI_KEY"] = MASTER_KEY
        for n in range(count):
            data = workdir / f"meili-{n}"
            shutil.rmtree(data, ignore_errors=True)
            instance = MeiliInstance(binary, data, indexing_threads=None).start()  # Meilisearch's default
            self._stack.callback(instance.stop)
            self.urls.append(instance.url)
            assert instance.process is not None
            self.pids.append(instance.process.pid)

    def spec_for(self, shards: int) -> str:
        if shards > len(self.urls):
            raise SystemExit(f"error: {shards} shards asked for, {len(self.urls)} Meilisearch instances given")
        return ",".join(self.urls[:shards])

    def close(self) -> None:
        self._stack.close()


class LocalDask:
    """A Dask LocalCluster on 127.0.0.1 (one single-threaded worker process per core)."""

    def __init__(self, workers: int) -> None:
        from distributed import Client, LocalCluster

        self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                    dashboard_address=None)
        self.address = self.cluster.scheduler_address
        with Client(self.address) as client:
            self.pids = sorted(set(client.run(os.getppid).values()))  # the nannies: each worker's parent

    def close(self) -> None:
        self.cluster.close()

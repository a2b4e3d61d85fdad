"""Searching while an indexer commits, and a second indexer started during the first.

    python bench/concurrency.py                    # 5,000 articles, commits every 250
    python bench/concurrency.py --articles 1000

A reader process searches in a loop (with several threads sharing one Searcher) for as long as
`newsearch index` runs; every error, and every result that goes backwards (fewer hits for the same
query after a commit than before), is counted. Meanwhile a second `newsearch index` is started with
--wait 0: it must fail with one clear line (exit 2), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import newsearch  # noqa: E402
from killtest import DEFAULT_CORPUS, make_input  # noqa: E402

QUERIES = ["hà nội", "bóng đá", "giá vàng", "tri tue nhan tao", "Việt Nam", "công an tỉnh", "thủ tướng"]


def reader_loop(index: Path, stop: threading.Event, threads: int = 3) -> dict[str, int]:
    """Search from ``threads`` threads until ``stop``; count searches, errors and regressions.

    A regression is a thread seeing fewer hits for a query than it saw before: each search reads
    one snapshot, and a thread's snapshots only move forward. (Across threads a slow search may
    finish after a quicker one that read a later commit; and a query answered by the relaxed
    fallback, "some of the words", is compared only with others answered the same way.)"""
    while not newsearch.index_exists(index):
        time.sleep(0.1)
    counts = {"searches": 0, "errors": 0, "regressions": 0}
    lock = threading.Lock()
    with newsearch.open_index(index) as ix:
        searcher = ix.searcher()

        def work(offset: int) -> None:
            best: dict[tuple[str, bool], int] = {}
            i = offset
            while not stop.is_set():
                query = QUERIES[i % len(QUERIES)]
                i += 1
                try:
                    results = searcher.search(query, limit=5, collapse=False)
                except Exception as exc:  # noqa: BLE001 - counting every failure is the point
                    with lock:
                        counts["errors"] += 1
                    print(f"reader error: {type(exc).__name__}: {exc}", file=sys.stderr)
                    continue
                key = (query, results.relaxed)
                with lock:
                    counts["searches"] += 1
                    if results.total < best.get(key, 0):
                        counts["regressions"] += 1
                        print(f"regression: {query!r} {results.total} after {best[key]}", file=sys.stderr)
                best[key] = max(best.get(key, 0), results.total)

        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--commit-every", type=int, default=250)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".work" / "concurrency")
    args = parser.parse_args(argv)
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    source, index = args.workdir / "input.jsonl", args.workdir / "index"
    make_input(args.corpus, args.articles, source)
    command = [sys.executable, "-m", "newsearch", "index", str(source), "--index", str(index),
               "--commit-every", str(args.commit_every)]
    started = time.perf_counter()
    indexer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()
    result: dict[str, int] = {}
    reader = threading.Thread(target=lambda: result.update(reader_loop(index, stop)))
    reader.start()
    time.sleep(5)
    second = subprocess.run(command + ["--wait", "0"], capture_output=True, text=True)
    indexer.wait()
    stop.set()
    reader.join()
    seconds = time.perf_counter() - started
    second_lines = second.stderr.strip().splitlines()
    second_ok = second.returncode == 2 and len(second_lines) == 1 and "Traceback" not in second.stderr
    print(json.dumps({"indexing_exit": indexer.returncode, "seconds": round(seconds, 1), **result,
                      "second_indexer_exit": second.returncode, "second_indexer_says": second_lines[-1:]},
                     ensure_ascii=False))
    ok = indexer.returncode == 0 and result.get("errors", 1) == 0 and result.get("regressions", 1) == 0 and second_ok
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

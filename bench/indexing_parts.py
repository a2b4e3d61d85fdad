"""CPU time of each part of indexing one article, in one process: where a worker's time goes.

    python bench/indexing_parts.py                    # the first 2,000 baomoi articles
    python bench/indexing_parts.py --articles 5000 --repeat 3 --profile

A worker process analyses each article (pyvi words, entities), turns it into its index document (the
fields' terms), and writes it into its own segment (postings sorted, Whoosh's files and the posting
arrays written). This measures the three parts one after the other on the same articles, as CPU
seconds of this process (less sensitive than wall time to what else the machine runs), the median
of ``--repeat`` runs; ``--profile`` adds cProfile's top functions of the slowest part. The main
process's own work (reading, MinHash signatures, near-duplicate look-ups) is not included:
`bench/speed.py` measures indexing end to end.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import itertools
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsearch.analysis import analyze_article  # noqa: E402
from newsearch.ingest.records import article_from_record  # noqa: E402
from newsearch.schema import document_of  # noqa: E402
from newsearch.segments import SegmentBuilder  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "baomoi-35k.jsonl.gz"


def _cpu(step: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = step()
    return time.process_time() - start, result


def _write(documents: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        builder = SegmentBuilder(folder)
        for document in documents:
            builder.add(dict(document))
        builder.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"error: {args.corpus} not found: pass --corpus PATH (a .jsonl.gz of articles)", file=sys.stderr)
        return 2
    with gzip.open(args.corpus, "rb") as handle:
        articles = [article_from_record(orjson.loads(line)) for line in itertools.islice(handle, args.articles)]
    analyze_article(articles[0])  # load pyvi's models outside the measurement
    parts: dict[str, list[float]] = {"analysis": [], "document": [], "segment": []}
    steps: dict[str, Callable[[], Any]] = {}
    for _ in range(args.repeat):
        seconds, analysed = _cpu(lambda: [analyze_article(a) for a in articles])
        parts["analysis"].append(seconds)
        seconds, documents = _cpu(lambda: [document_of(a) for a in analysed])
        parts["document"].append(seconds)
        parts["segment"].append(_cpu(lambda: _write(documents))[0])
        steps = {"analysis": lambda: [analyze_article(a) for a in articles],
                 "document": lambda: [document_of(a) for a in analysed], "segment": lambda: _write(documents)}
    count = len(articles)
    print(f"{count} articles, CPU ms an article (median of {args.repeat}):")
    for name, runs in parts.items():
        print(f"  {name:<9} {1000 * statistics.median(runs) / count:6.2f}")
    print(f"  {'total':<9} {1000 * sum(statistics.median(runs) for runs in parts.values()) / count:6.2f}")
    if args.profile:
        slowest = max(parts, key=lambda name: statistics.median(parts[name]))
        profiler = cProfile.Profile()
        profiler.runcall(steps[slowest])
        print(f"\ncProfile of {slowest}:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())

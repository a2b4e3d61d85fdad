"""Near-duplicate clusters of a corpus, as the index writer forms them, with a sample to check by hand.

    python bench/duplicates.py                       # baomoi 35k: cluster count + 30 sampled clusters
    python bench/duplicates.py --sample 30 --seed 7 --show 600

Each article is compared, in input order, with the earlier ones sharing an LSH band (the same
functions and thresholds as ``IndexWriter``); it joins the cluster of the most similar one at or above
``SIMILARITY``. For every sampled cluster it prints two members' titles, their estimated and exact
Jaccard similarity, and the start of each text, so a person can judge whether they are the same story.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsearch.duplicates import band_keys, best_match, shingles, signature, similarity  # noqa: E402
from newsearch.normalize import clean_text  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "baomoi-35k.jsonl.gz"


def text_of(record: dict) -> str:
    return clean_text(f"{record.get('summary') or ''}\n{record.get('body') or ''}")


def cluster(records: list[dict]) -> dict[str, str]:
    bands: dict[str, list[tuple[str, str, bytes]]] = defaultdict(list)
    cluster_of: dict[str, str] = {}
    for record in records:
        article_id = str(record["id"])
        sig = signature(text_of(record))
        if sig is None:
            cluster_of[article_id] = article_id
            continue
        keys = band_keys(sig)
        candidates = {other: (c, s) for key in keys for other, c, s in bands[key]}
        found = best_match(sig, candidates.values()) or article_id
        cluster_of[article_id] = found
        for key in keys:
            bands[key].append((article_id, found, sig))
    return cluster_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=300, help="characters of each text to print")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"error: {args.corpus} not found; pass --corpus FILE", file=sys.stderr)
        return 2
    with gzip.open(args.corpus, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    started = time.perf_counter()
    cluster_of = cluster(records)
    seconds = time.perf_counter() - started
    members: dict[str, list[str]] = defaultdict(list)
    for article_id, found in cluster_of.items():
        members[found].append(article_id)
    multi = {c: m for c, m in members.items() if len(m) > 1}
    print(f"{len(records):,} articles, {seconds:.1f} s: {len(multi):,} clusters of near-duplicates holding "
          f"{sum(map(len, multi.values())):,} articles (largest: {max(map(len, multi.values()), default=0)})")
    by_id = {str(r["id"]): r for r in records}
    for number, key in enumerate(random.Random(args.seed).sample(sorted(multi), min(args.sample, len(multi)))):
        a, b = (by_id[i] for i in multi[key][:2])
        ta, tb = text_of(a), text_of(b)
        sa, sb = shingles(ta), shingles(tb)
        exact = len(sa & sb) / len(sa | sb)
        print(f"\n[{number}] {len(multi[key])} articles; estimated {similarity(signature(ta), signature(tb)):.2f}, exact {exact:.2f}")
        for record, text in ((a, ta), (b, tb)):
            print(f"  {record['id']} | {record.get('title', '')}")
            print(f"    {text[: args.show]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Hostile queries: many generated queries against the sample index; none may raise anything but a
clear QueryError.

    python bench/fuzz_queries.py                 # 100,000 queries (≈ 1 hour; split it over cores with --count and --seed)
    python bench/fuzz_queries.py --count 5000 --seed 3

Queries mix Vietnamese syllables with and without accents, field prefixes (known and unknown),
quotes and parentheses (balanced or not), OR/NOT/-, dates (valid, impossible, reversed), emoji,
control characters, random Unicode, punctuation only, and very long strings (up to 10,000 characters).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import newsearch  # noqa: E402

WORDS = ["hà", "nội", "ha", "noi", "trí", "tuệ", "tri", "tue", "bóng", "đá", "bong", "da", "giá", "vàng", "của",
         "và", "là", "Covid-19", "AI", "hoà", "hòa", "thuỷ", "TP.HCM", "Đà", "Nẵng", "ĐÀ", "NẴNG", "x", "2024"]
PIECES = ['"', "'", "(", ")", "-", "*", "?", ":", "OR", "NOT", "AND", "OR OR", "title:", "content:", "entity:",
          "category:", "source:", "since:", "until:", "date:", "colour:", "since:31/02/2024", "until:2021-13-01",
          "date:2024-05-01..2021-01-01", "since:2021-04", "until:10/04/2021", "…", "“", "”", "🇻🇳", "😀", "\x00",
          "\x1b[31m", "\u200b", "\ufeff", "\t", "\n", "̀", "Ð", "ｈà", "%", "\\", "/", "{", "}", "[", "]"]


def random_query(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.05:
        return "".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(1, 40)))
    if kind < 0.07:
        return rng.choice(WORDS) * rng.randint(100, 2500)  # long: up to 10,000 characters
    if kind < 0.10:
        return "".join(rng.choice("!?.,;:-()\"'*") for _ in range(rng.randint(1, 20)))
    parts = []
    for _ in range(rng.randint(1, 12)):
        parts.append(rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(PIECES))
    glue = rng.choice([" ", "", "  ", " OR ", " -"])
    return glue.join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    counts = {"queries": 0, "results": 0, "no hits": 0, "query errors": 0, "crashes": 0}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        with newsearch.create_index(Path(tmp) / "ix") as ix:
            with ix.writer() as writer:
                writer.add_many(newsearch.read_articles([ROOT / "sample_corpus"]), workers=2)
            searcher = ix.searcher()
            for n in range(args.count):
                query = random_query(rng)
                counts["queries"] += 1
                try:
                    results = searcher.search(query, limit=rng.choice([1, 10, 50]), sort=rng.choice(["relevance", "date"]),
                                              facets=rng.choice([(), ("entity", "month")]))
                    counts["results" if results.total else "no hits"] += 1
                except newsearch.QueryError:
                    counts["query errors"] += 1
                except Exception:  # noqa: BLE001 - a crash is what this script looks for
                    counts["crashes"] += 1
                    if counts["crashes"] <= 5:
                        print(f"CRASH on {query!r}:\n{traceback.format_exc()}", file=sys.stderr)
                if (n + 1) % 10_000 == 0:
                    print(f"{n + 1:,} queries, {counts['crashes']} crashes", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    print(", ".join(f"{k}: {v:,}" for k, v in counts.items()) + f" ({seconds:.0f} s)")
    return 0 if counts["crashes"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

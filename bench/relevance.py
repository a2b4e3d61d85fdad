"""Relevance benchmark: known-item search on real news, with and without accents, plus a hand-made
query set; newsearch against Whoosh (StandardAnalyzer, OR) and SQLite FTS5 (unicode61, bm25, OR).

    python bench/relevance.py                 # the whole benchmark (reads ../shared/data)
    python bench/relevance.py --quick         # 3,000 baomoi articles instead of 35,440, for trying things
    python bench/relevance.py --backend whoosh,meilisearch --shards 1,2   # both backends side by side

Known-item: 300 articles per corpus chosen with a fixed seed; the query is the article's title and the
index holds every article of that corpus *without* its title, so the title must be found in the lead
and body. Built indexes are cached in bench/.work (keyed by the code that builds them).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import newsearch  # noqa: E402
from newsearch.normalize import clean_text, fold_diacritics, to_new_tones, to_old_tones  # noqa: E402
from backends import MeiliFleet  # noqa: E402
from systems import ALL_SYSTEMS, Doc, NewsearchMeili, System, timed_search  # noqa: E402
from newsearch.meili import MeiliRanking  # noqa: E402
from newsearch.ranking import Ranking  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
QUERY_SET = ROOT / "bench" / "queries" / "sample_queries.json"
VARIANTS = ("accents", "no accents", "other tones")


@dataclass
class Score:
    """Metrics of one system on one query set."""

    ranks: list[int | None] = field(default_factory=list)  # rank of the first relevant hit
    recall10: list[float] = field(default_factory=list)
    empty: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, ids: list[str], relevant: set[str], ms: float) -> None:
        rank = next((i for i, doc_id in enumerate(ids, start=1) if doc_id in relevant), None)
        self.ranks.append(rank)
        self.recall10.append(len(relevant & set(ids[:10])) / len(relevant))
        self.empty += not ids
        self.latencies.append(ms)

    @property
    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r) / len(self.ranks)

    @property
    def r1(self) -> float:
        return sum(r == 1 for r in self.ranks) / len(self.ranks)

    @property
    def r10(self) -> float:
        return statistics.fmean(self.recall10)

    def latency(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ----------------------------------------------------------------------------------------- data


def load_records(path: Path, limit: int | None = None) -> list[dict]:
    records = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            records.append(json.loads(line))
            if limit and len(records) >= limit:
                break
    return records


def other_tones(text: str) -> str:
    """Every syllable in the placement it does not have: hòa→hoà and hoà→hòa."""
    new = to_new_tones(text)
    old = to_old_tones(text)
    return "".join(o if n == t else n for t, n, o in zip(text, new, old)) if len(new) == len(old) == len(text) else old


def variant(query: str, name: str) -> str:
    return {"accents": query, "no accents": fold_diacritics(query), "other tones": other_tones(query)}[name]


def known_item_set(records: list[dict], count: int, seed: int) -> tuple[list[Doc], list[tuple[str, str]]]:
    """Documents without titles, and (title, id) queries for ``count`` articles chosen with ``seed``."""
    docs = [Doc(str(r["id"]), "", clean_text(r.get("summary") or ""), clean_text(r.get("body") or "")) for r in records]
    candidates = [r for r in records if (r.get("title") or "").strip() and (r.get("body") or "").strip()]
    chosen = random.Random(seed).sample(candidates, count)
    return docs, [(clean_text(r["title"]), str(r["id"])) for r in chosen]


def sample_docs() -> list[Doc]:
    return [Doc(a.id, a.title, a.lead, a.body) for a in newsearch.read_articles([ROOT / "sample_corpus"])]


# ----------------------------------------------------------------------------------------- runs


# The modules that decide what an index holds; query-time code can change without a rebuild.
INDEXING_MODULES = ("normalize", "segment", "_pyvi", "entities", "analysis", "schema", "pipeline", "index", "models")


def fingerprint(system: str) -> str:
    if system.startswith("newsearch"):
        sources = [ROOT / "newsearch" / f"{m}.py" for m in INDEXING_MODULES] + sorted((ROOT / "newsearch" / "ingest").glob("*.py"))
        sources += [ROOT / "newsearch" / "meili" / "documents.py"] if "meili" in system else []
    else:
        sources = [ROOT / "bench" / "systems.py"]
    digest = hashlib.sha1()
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def ranking_of(settings: str) -> Ranking:
    """A Ranking with some knobs changed: "pair_weight=1,b=0.9,field_weights.title=2"."""
    ranking = Ranking()
    for item in filter(None, (s.strip() for s in settings.split(","))):
        key, _, value = item.partition("=")
        if key.startswith("field_weights."):
            weights = {**ranking.field_weights, key.split(".", 1)[1]: float(value)}
            ranking = replace(ranking, field_weights=weights)
            continue
        current = getattr(ranking, key)
        parsed = value.lower() in ("1", "true", "yes") if isinstance(current, bool) else type(current)(value)
        ranking = replace(ranking, **{key: parsed})
    return ranking


def meili_ranking_of(settings: str) -> MeiliRanking:
    """MeiliRanking with some knobs changed: "matching=frequency,exact_weight=0.3"."""
    ranking = MeiliRanking()
    for item in filter(None, (s.strip() for s in settings.split(","))):
        key, _, value = item.partition("=")
        ranking = replace(ranking, **{key: type(getattr(ranking, key))(value)})
    return ranking


MEILI_RANKING = MeiliRanking()


def make_system(system_name: str, ranking: Ranking | None, meili: dict[str, str]) -> System:
    if system_name == "newsearch":
        return ALL_SYSTEMS[system_name](ranking=ranking)
    if system_name in meili:
        return NewsearchMeili(meili[system_name], ranking=MEILI_RANKING)
    return ALL_SYSTEMS[system_name]()


def prepared(system_name: str, corpus: str, docs: list[Doc], workdir: Path, log, ranking: Ranking | None = None,
             meili: dict[str, str] | None = None) -> tuple[System, float | None]:
    """The system with ``docs`` indexed, reusing a cached index built by the same code."""
    system = make_system(system_name, ranking, meili or {})
    path = workdir / f"{corpus}-{len(docs)}-{system_name}-{fingerprint(system_name)}"
    built = None
    still_there = system.is_built(path, len(docs)) if isinstance(system, NewsearchMeili) else True
    if not (path / ".complete").exists() or not still_there:
        log(f"  indexing {len(docs):,} {corpus} documents with {system_name} …")
        started = time.perf_counter()
        system.build(docs, path)
        built = time.perf_counter() - started
        (path / ".complete").write_text(f"{built:.1f}")
    system.open(path)
    return system, built


def run_known_item(system: System, queries: list[tuple[str, str]], variants: tuple[str, ...] = VARIANTS) -> dict[str, Score]:
    scores = {}
    for name in variants:
        score = Score()
        for title, doc_id in queries:
            ids, ms = timed_search(system, variant(title, name))
            score.add(ids, {doc_id}, ms)
        scores[name] = score
    return scores


def run_query_set(system: System, queries: list[dict]) -> Score:
    score = Score()
    for item in queries:
        ids, ms = timed_search(system, item["query"])
        score.add(ids, set(item["relevant"]), ms)
    return score


# ----------------------------------------------------------------------------------------- report


def format_table(rows: list[tuple[str, str, str, Score]], systems: list[str]) -> str:
    lines = [f"{'query set':<28} {'variant':<12} {'system':<20} {'MRR@10':>7} {'R@1':>6} {'R@10':>6} {'empty':>6} {'p50 ms':>7} {'p95 ms':>7}"]
    for set_name, var, system, s in rows:
        lines.append(
            f"{set_name:<28} {var:<12} {system:<20} {s.mrr:7.3f} {s.r1:6.3f} {s.r10:6.3f} {s.empty:6d} "
            f"{s.latency(0.5):7.1f} {s.latency(0.95):7.1f}"
        )
    lines.append("")
    lines.append("newsearch MRR@10 / best peer's:")
    keys = sorted({(r[0], r[1]) for r in rows}, key=lambda k: [r[:2] for r in rows].index(k))
    for set_name, var in keys:
        by_system = {r[2]: r[3].mrr for r in rows if r[0] == set_name and r[1] == var}
        peers = [v for k, v in by_system.items() if not k.startswith("newsearch")]
        for mine in (k for k in by_system if k.startswith("newsearch") and peers):
            lines.append(f"  {set_name:<28} {var:<12} {mine:<20} {by_system[mine] / max(max(peers), 1e-9):5.2f}×")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with dantri-2653.jsonl.gz and baomoi-35k.jsonl.gz")
    parser.add_argument("--systems", default=",".join(ALL_SYSTEMS), help="comma-separated: " + ", ".join(ALL_SYSTEMS))
    parser.add_argument("--per-corpus", type=int, default=300, help="known-item queries per corpus")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="3,000 baomoi articles instead of all")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".work")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--ranking", default="", help='change ranking knobs of newsearch, e.g. "pair_weight=1,b=0.9"')
    parser.add_argument("--variants", default=",".join(VARIANTS), help="which known-item variants to run")
    parser.add_argument("--sets", default="dantri,baomoi,hand-made", help="which query sets to run")
    parser.add_argument("--backend", default="whoosh", help="newsearch's backends: whoosh, meilisearch or both (comma-separated)")
    parser.add_argument("--shards", default="2", help="Meilisearch shard counts to compare, e.g. 1,2")
    parser.add_argument("--meili", help="your Meilisearch instances (comma-separated URLs; default: start local ones)")
    parser.add_argument("--meili-ranking", default="", help='change the Meilisearch backend\'s knobs, e.g. "matching=frequency"')
    args = parser.parse_args(argv)
    global MEILI_RANKING
    MEILI_RANKING = meili_ranking_of(args.meili_ranking)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    backends = {b.strip() for b in args.backend.split(",")}
    meili: dict[str, str] = {}
    fleet = None
    if "meilisearch" in backends:
        counts = [int(n) for n in args.shards.split(",")]
        fleet = MeiliFleet(args.workdir, max(counts), args.meili)
        meili = {NewsearchMeili(fleet.spec_for(n)).name: fleet.spec_for(n) for n in counts}
    if "whoosh" not in backends:
        systems = [s for s in systems if s != "newsearch"]
    systems = [*(["newsearch"] if "newsearch" in systems else []), *meili, *(s for s in systems if s != "newsearch")]
    try:
        return _run(args, systems, meili)
    finally:
        if fleet is not None:
            fleet.close()


def _run(args: argparse.Namespace, systems: list[str], meili: dict[str, str]) -> int:
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows: list[tuple[str, str, str, Score]] = []
    build_times: dict[str, float] = {}

    corpora = [("dantri", args.data / "dantri-2653.jsonl.gz", None), ("baomoi", args.data / "baomoi-35k.jsonl.gz", 3000 if args.quick else None)]
    ranking = ranking_of(args.ranking)
    sets = {s.strip() for s in args.sets.split(",")}
    for corpus, path, limit in corpora:
        if corpus not in sets:
            continue
        if not path.exists():
            log(f"error: {path} not found; pass --data DIR (the folder holding the shared corpora)")
            return 2
        docs, queries = known_item_set(load_records(path, limit), args.per_corpus, args.seed)
        log(f"{corpus}: {len(docs):,} documents, {len(queries)} known-item queries")
        for name in systems:
            system, built = prepared(name, corpus, docs, args.workdir, log, ranking, meili)
            if built is not None:
                build_times[f"{corpus}/{name}"] = built
            for var, score in run_known_item(system, queries, tuple(v.strip() for v in args.variants.split(","))).items():
                rows.append((f"{corpus} known-item ({len(queries)})", var, name, score))
            system.close()

    query_set = json.loads(QUERY_SET.read_text(encoding="utf-8"))["queries"]
    docs = sample_docs()
    for name in systems if "hand-made" in sets else ():
        system, _ = prepared(name, "sample", docs, args.workdir, log, ranking, meili)
        rows.append((f"hand-made ({len(query_set)})", "mixed", name, run_query_set(system, query_set)))
        system.close()

    print(format_table(rows, systems))
    if build_times:
        print("\nindex build times (s): " + ", ".join(f"{k} {v:.0f}" for k, v in build_times.items()))
    print(f"\ntotal time: {time.perf_counter() - started:.0f} s")
    if args.json:
        payload = [
            {"set": s, "variant": v, "system": n, "mrr10": sc.mrr, "r1": sc.r1, "r10": sc.r10, "empty": sc.empty,
             "p50_ms": sc.latency(0.5), "p95_ms": sc.latency(0.95)}
            for s, v, n, sc in rows
        ]
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

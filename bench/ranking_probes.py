"""Probes of ranking ideas that did not make it into newsearch, kept so their figures can be re-run.

    python bench/ranking_probes.py --corpus dantri      # ≈ 2 min (uses the relevance benchmark's cached index)
    python bench/ranking_probes.py --corpus baomoi      # ≈ 4 min on all 35,440 articles

For the known-item queries of bench/relevance.py (seed 42: the test set) and 300 others (seed 43: the
training set) it takes newsearch's top 30 and asks whether anything computed from the candidates' text
could put the right article higher:

1. **Learned re-ranking**: newsearch's score (divided by the best) plus a weighted sum of features —
   idf-weighted share of the query's accent-free syllables, pairs and triples found in the article, the
   same for its first 40 syllables (the opening), the longest run of query triples, log length — with the
   weights found by coordinate ascent on the *training* queries, then measured on the test queries.
2. **Query likelihood** (Dirichlet-smoothed language model of accent-free syllables and pairs) over the
   whole corpus, and fused with newsearch's score over its top 30.
3. **Latent semantic analysis** (session 16): tf-idf of accent-free syllables and pairs (sublinear tf,
   in ≥ 2 articles) reduced to 256 dimensions by a truncated SVD of the whole corpus (scikit-learn, which
   pyvi installs), the cosine of query and article alone over the whole corpus, and added to newsearch's
   score over its top 30 with weights chosen on the training queries.

The figures are in bench/README.md ("What each ranking technique did", fourth and fifth rounds).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import relevance  # noqa: E402
from newsearch.analysis import folded_term  # noqa: E402
from newsearch.segment import SYLLABLE_PATTERN  # noqa: E402

FILES = {"dantri": "dantri-2653.jsonl.gz", "baomoi": "baomoi-35k.jsonl.gz"}
FEATURES = ("syllables", "pairs", "triples", "opening syllables", "opening pairs", "longest run", "log length")
CANDIDATES = 30
OPENING = 40
STEPS = (-2, -1, -0.5, -0.25, -0.1, 0, 0.1, 0.25, 0.5, 1, 2)


def syllables(text: str) -> list[str]:
    return [folded_term(s) for s in SYLLABLE_PATTERN.findall(text)]


def grams(sylls: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(sylls[i : i + n]) for i in range(len(sylls) - n + 1)}


class Corpus:
    """Accent-free syllables of every document, their document frequencies and postings."""

    def __init__(self, docs: list[relevance.Doc]) -> None:
        self.ids = [d.id for d in docs]
        self.position = {doc_id: i for i, doc_id in enumerate(self.ids)}
        self.sylls = [syllables(d.lead + "\n" + d.body) for d in docs]
        self.df = Counter(s for sylls in self.sylls for s in set(sylls))
        self.lengths = np.array([len(s) for s in self.sylls], dtype=float)
        self.postings: dict[object, list[tuple[int, int]]] = {}
        for i, sylls in enumerate(self.sylls):
            for term, count in Counter(sylls + list(zip(sylls, sylls[1:]))).items():
                self.postings.setdefault(term, []).append((i, count))
        self.cf = {term: sum(c for _, c in p) for term, p in self.postings.items()}
        self.total = self.lengths.sum()

    def idf(self, syllable: str) -> float:
        n = self.df.get(syllable, 0)
        return math.log(1 + (len(self.ids) - n + 0.5) / (n + 0.5))

    def features(self, query: str, doc: int) -> list[float]:
        q, d = syllables(query), self.sylls[doc]
        values = []
        for text, sizes in ((d, (1, 2, 3)), (d[:OPENING], (1, 2))):
            for n in sizes:
                wanted = {g: min(self.idf(s) for s in g) for g in grams(q, n)}
                found = grams(text, n)
                values.append(sum(w for g, w in wanted.items() if g in found) / max(1e-9, sum(wanted.values())))
        triples, run, best = grams(d, 3), 0, 0
        for i in range(len(q) - 2):
            run = run + 1 if tuple(q[i : i + 3]) in triples else 0
            best = max(best, run)
        return values + [best / max(1, len(q)), math.log1p(len(d))]

    def likelihood(self, query: str, mu: float = 1000.0, pair_weight: float = 1.0) -> np.ndarray:
        q = syllables(query)
        scores = np.zeros(len(self.ids))
        for terms, weight in ((set(q), 1.0), (set(zip(q, q[1:])), pair_weight)):
            for term in terms:
                background = self.cf.get(term, 0.5) / self.total
                tf = np.zeros(len(self.ids))
                for i, count in self.postings.get(term, ()):
                    tf[i] = count
                scores += weight * np.log((tf + mu * background) / (self.lengths + mu))
        return scores


def lsa_cosines(corpus: Corpus, queries: list[str], dims: int = 256) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Unit vectors of every article and of each query in an LSA space built from the corpus itself."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=lambda s: s + [a + "_" + b for a, b in zip(s, s[1:])],
                                 min_df=2, sublinear_tf=True, dtype=np.float32)
    svd = TruncatedSVD(dims, random_state=0)
    articles = svd.fit_transform(vectorizer.fit_transform(corpus.sylls))
    reduced = svd.transform(vectorizer.transform([syllables(q) for q in queries]))
    unit = lambda m: m / (np.linalg.norm(m, axis=1, keepdims=True) + 1e-9)  # noqa: E731
    return unit(articles), dict(zip(queries, unit(reduced)))


def reciprocal_rank(labels: np.ndarray, scores: np.ndarray) -> float:
    ranked = labels[np.argsort(-scores, kind="stable")]
    if not ranked.any():
        return 0.0
    rank = int(np.nonzero(ranked)[0][0]) + 1
    return 1 / rank if rank <= 10 else 0.0


def candidates(system, corpus: Corpus, queries: list[tuple[str, str]]) -> list[tuple[str, np.ndarray, np.ndarray, list[int], int]]:
    rows = []
    for query, doc_id in queries:
        hits = system._searcher.search(query, limit=CANDIDATES, collapse=False).hits
        if not hits:
            continue
        docs = [corpus.position[h.id] for h in hits]
        base = np.array([h.score for h in hits]) / hits[0].score
        rows.append((query, base, np.array([h.id == doc_id for h in hits]), docs, corpus.position[doc_id]))
    return rows


def misses(corpus: Corpus, rows) -> None:
    """How many test queries miss the first place, and whether the article put first is closer to
    the query than its own (more of its syllable triples) or a near-duplicate of it."""
    missed = closer = copies = 0
    for query, _, labels, docs, target in rows:
        if labels[0]:
            continue
        missed += 1
        wanted, top, own = grams(syllables(query), 3), corpus.sylls[docs[0]], corpus.sylls[target]
        closer += len(wanted & grams(top, 3)) > len(wanted & grams(own, 3))
        top_shingles, own_shingles = grams(top, 4), grams(own, 4)
        copies += len(top_shingles & own_shingles) > 0.5 * max(1, len(top_shingles | own_shingles))
    print(f"misses: {missed} of {len(rows)} queries do not find their article first; in {closer} the article "
          f"put first holds more of the query's syllable triples than the target; {copies} are near-duplicates "
          f"of the target (shingle Jaccard > 0.5)")


def mrr(rows, scorer, total: int) -> float:
    return sum(reciprocal_rank(labels, scorer(query, base, docs)) for query, base, labels, docs, _ in rows) / total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=sorted(FILES), default="dantri")
    parser.add_argument("--data", type=Path, default=relevance.DEFAULT_DATA)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".work")
    args = parser.parse_args()
    records = relevance.load_records(args.data / FILES[args.corpus])
    docs, test = relevance.known_item_set(records, 300, 42)
    _, more = relevance.known_item_set(records, 600, 43)
    tested = {doc_id for _, doc_id in test}
    train = [q for q in more if q[1] not in tested][:300]
    system, _ = relevance.prepared("newsearch", args.corpus, docs, args.workdir, print)
    corpus = Corpus(docs)
    rows = {name: candidates(system, corpus, queries) for name, queries in (("train", train), ("test", test))}
    matrices = {name: {id(r): np.array([corpus.features(r[0], d) for d in r[3]]) for r in rs} for name, rs in rows.items()}

    def learned(name: str, weights: np.ndarray) -> float:
        return sum(reciprocal_rank(r[2], r[1] + matrices[name][id(r)] @ weights) for r in rows[name]) / 300

    weights = np.zeros(len(FEATURES))
    print(f"newsearch alone: train MRR@10 {learned('train', weights):.3f}, test {learned('test', weights):.3f}")
    for _ in range(2):
        for i in range(len(FEATURES)):
            trials = {step: learned("train", np.where(np.arange(len(FEATURES)) == i, step, weights)) for step in STEPS}
            weights[i] = max(trials, key=lambda s: (round(trials[s], 9), -abs(s)))
    print("learned re-ranking weights:", ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, weights)))
    print(f"learned re-ranking: train MRR@10 {learned('train', weights):.3f}, test {learned('test', weights):.3f}")

    misses(corpus, rows["test"])
    likelihoods = {r[0]: corpus.likelihood(r[0]) for r in rows["test"]}
    alone = sum(reciprocal_rank(np.array([i == corpus.position[doc_id] for i in range(len(corpus.ids))]), likelihoods[q])
                for q, doc_id in test if q in likelihoods) / 300
    print(f"query likelihood alone (Dirichlet mu 1000, pairs 1.0): test MRR@10 {alone:.3f}")
    for beta in (0.25, 0.5, 1.0, 2.0):
        def fused(query, base, docs, beta=beta):
            lm = likelihoods[query][docs]
            return base + beta * (lm - lm.max()) / max(1, len(syllables(query)))
        print(f"newsearch + {beta} × query likelihood over its top {CANDIDATES}: test MRR@10 {mrr(rows['test'], fused, 300):.3f}")

    articles, queries = lsa_cosines(corpus, [r[0] for r in rows["train"] + rows["test"]])
    alone = sum(reciprocal_rank(np.arange(len(corpus.ids)) == corpus.position[doc_id], articles @ queries[q])
                for q, doc_id in test if q in queries) / 300
    print(f"LSA (256 dimensions) alone: test MRR@10 {alone:.3f}")
    betas = (0.1, 0.25, 0.5, 1.0, 2.0)
    def with_lsa(query, base, docs, beta=0.0):
        return base + beta * (articles[docs] @ queries[query])
    trained = {beta: mrr(rows["train"], lambda q, b, d, beta=beta: with_lsa(q, b, d, beta), 300) for beta in betas}
    beta = max(trained, key=trained.get)
    print("newsearch + β × LSA cosine over its top 30, train MRR@10: "
          + ", ".join(f"β {b} {m:.3f}" for b, m in trained.items())
          + f"; test with β {beta}: {mrr(rows['test'], lambda q, b, d: with_lsa(q, b, d, beta), 300):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

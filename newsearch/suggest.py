""""Did you mean": restore the accents of a query typed without them, and fix typos, from the
index's own vocabulary and statistics.

For each query syllable the candidates are the accented syllables of the index that fold to it
(or, for a syllable the index does not know, the known ones one or two edits away). The best
sequence is chosen by a Viterbi pass that scores each syllable by how common it is and each adjacent
pair by how many articles contain it side by side: "gia vang" → "giá vàng", not "gia vàng".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from math import log
from typing import Any, Sequence

import numpy as np
from whoosh.support.levenshtein import distance

from .analysis import folded_term, syllable_term
from .scoringcache import ScoringCache
from .normalize import fold_diacritics, has_diacritics
from .phrases import in_order
from .query import ParsedQuery
from .schema import VOCABULARY_FIELD
from .segment import SYLLABLE_PATTERN

__all__ = ["Vocabulary", "suggest_query", "MAX_SUGGEST_SYLLABLES"]

MAX_SUGGEST_SYLLABLES = 8
CANDIDATES = 4
FIELD = VOCABULARY_FIELD
PAIR_WEIGHT = 3.0
# The longest Vietnamese syllable has 7 letters ("nghiêng"); names and loanwords run longer. Beyond
# this, the edit-distance search over the lexicon took seconds ("hàhàhà…") and cannot find a typo.
MAX_TYPO_LETTERS = 12


@dataclass
class Vocabulary:
    """Accented syllables of the index grouped by folded form; document frequencies are looked up
    only for the groups a query asks about (reading every term's statistics took seconds)."""

    by_folded: dict[str, list[str]]
    _ranked: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    _letters: str | None = None
    _counts: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def letters(self) -> str:
        """Every character of the folded syllables (the alphabet typos are made of)."""
        if self._letters is None:
            self._letters = "".join(sorted(set().union(*self.by_folded))) if self.by_folded else ""
        return self._letters

    def within(self, folded: str, maxdist: int) -> list[str]:
        """The known folded syllables at most ``maxdist`` edits from ``folded`` (Whoosh's
        Damerau–Levenshtein distance, as its ``terms_within``), in lexicon order. One edit: every
        string one edit away is looked up, where Whoosh computes the distance to every term of
        the lexicon (0.4 s a typo at 35k articles, 2 s at 350k: 36 segments' lexicons merged)."""
        if maxdist == 1:
            return sorted(text for text in _one_edit(folded, self.letters) if text in self.by_folded)
        return sorted(text for text in self._letters_close(folded, maxdist) if distance(text, folded, limit=maxdist) <= maxdist)

    def _letters_close(self, folded: str, maxdist: int) -> list[str]:
        """The syllables whose length and letter counts could be ``maxdist`` edits from
        ``folded`` (an edit changes the counts by at most two): a numpy pass over all of them
        leaves a few for the distance computed in Python (all 56,000 at 35k articles: 0.2 s)."""
        if self._counts is None:
            texts = list(self.by_folded)
            column = {letter: i for i, letter in enumerate(self.letters)}
            counts = np.zeros((len(texts), len(column)), dtype=np.int16)
            for row, text in enumerate(texts):
                for letter in text:
                    counts[row, column[letter]] += 1
            self._counts = (np.array(texts, dtype=object), counts, np.array([len(t) for t in texts]))
        texts, counts, lengths = self._counts
        typed = np.zeros(counts.shape[1], dtype=np.int16)
        unknown = 0
        for letter in folded:
            at = self.letters.find(letter)
            if at < 0:
                unknown += 1
            else:
                typed[at] += 1
        near = np.flatnonzero(np.abs(lengths - len(folded)) <= maxdist)
        differences = np.abs(counts[near] - typed).sum(axis=1) + unknown
        return texts[near[differences <= 2 * maxdist]].tolist()

    @classmethod
    def from_segments(cls, scoring: ScoringCache) -> "Vocabulary":
        """The syllables of every segment: from the term list its posting arrays file keeps
        (Whoosh's lexicon for a segment written before), merged into one set before any is
        folded. Walking each segment's lexicon and folding every term took 11 s at 350k articles
        (36 segments, 1.1 million terms, 60,000 distinct)."""
        distinct: set[bytes] = set()
        for segment in scoring.segments:
            listed = segment.arrays.terms(FIELD) if segment.arrays is not None else None
            distinct.update(listed if listed is not None else segment.reader.lexicon(FIELD))
        grouped: dict[str, list[str]] = {}
        for term in distinct:
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            grouped.setdefault(fold_diacritics(text), []).append(text)
        return cls({folded: sorted(texts) for folded, texts in grouped.items()})

    def variants(self, folded: str, scoring: ScoringCache) -> list[tuple[str, int]]:
        """(accented syllable, document frequency) that fold to ``folded``, most frequent first
        (frequencies from the segments' directories: a Whoosh lookup per segment cost ≈ 1 ms a
        variant at 350k articles)."""
        ranked = self._ranked.get(folded)
        if ranked is None:
            ranked = [(text, scoring.doc_frequency(FIELD, text)) for text in self.by_folded.get(folded, ())]
            ranked.sort(key=lambda item: -item[1])
            self._ranked[folded] = ranked
        return ranked


_cache: dict[tuple[str, int], Vocabulary] = {}
_cache_lock = threading.Lock()


def vocabulary_for(scoring: ScoringCache, key: tuple[str, int]) -> Vocabulary:
    """The vocabulary of one index generation (``scoring``'s searcher's), built once."""
    with _cache_lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = Vocabulary.from_segments(scoring)
        return _cache[key]


def _typo_candidates(scoring: ScoringCache, folded: str, vocabulary: Vocabulary) -> list[str]:
    """Known folded syllables one (or, for long words, two) edits away; those that only add
    letters to what was typed first ("vag" → "vang"), then the most frequent."""
    if len(folded) > MAX_TYPO_LETTERS:  # no syllable is that long: a run-together string, not a typo
        return []
    near = vocabulary.within(folded, 1 if len(folded) <= 6 else 2)
    ranked = sorted(near, key=lambda t: (not _is_subsequence(folded, t), -sum(df for _, df in vocabulary.variants(t, scoring))))
    return ranked[:CANDIDATES]


def _candidates(scoring: ScoringCache, syllable: str, vocabulary: Vocabulary) -> list[tuple[str, int]]:
    """(accented syllable, document frequency) options for one typed syllable."""
    typed = syllable_term(syllable)
    if has_diacritics(typed):
        known = [(a, df) for a, df in vocabulary.variants(folded_term(typed), scoring) if a == typed]
        if known:
            return known
        options = vocabulary.variants(folded_term(typed), scoring)[:CANDIDATES]  # a wrong accent
        return options or _near(scoring, folded_term(typed), vocabulary)[:1]
    options = vocabulary.variants(typed, scoring)[:CANDIDATES]
    if options:
        return options
    return _near(scoring, typed, vocabulary)[:CANDIDATES]


def _near(scoring: ScoringCache, folded: str, vocabulary: Vocabulary) -> list[tuple[str, int]]:
    """Accented forms of the known syllables near a typo, best first."""
    return [(a, df) for f in _typo_candidates(scoring, folded, vocabulary) for a, df in vocabulary.variants(f, scoring)[:2]]


def _one_edit(word: str, letters: str) -> set[str]:
    """Every string one deletion, adjacent transposition, substitution or insertion (of one of
    ``letters``) away from ``word``, and ``word`` itself."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edited = {head + tail[1:] for head, tail in splits if tail}
    edited.update(head + tail[1] + tail[0] + tail[2:] for head, tail in splits if len(tail) > 1)
    edited.update(head + letter + tail[1:] for head, tail in splits if tail for letter in letters)
    edited.update(head + letter + tail for head, tail in splits for letter in letters)
    edited.add(word)
    return edited


def _is_subsequence(short: str, long: str) -> bool:
    """"vàg" in "vàng": a letter left out is the likeliest typo."""
    letters = iter(long)
    return all(ch in letters for ch in short)


class PairCounts:
    """How many articles hold two accented syllables side by side. The articles holding both
    syllables and their accent-free pair ("giá", "vàng", "gia_vang") are found by intersecting three
    posting lists with numpy; positions are then read for at most ``SAMPLE`` of them, and the count
    is scaled by the share where the syllables are adjacent. A phrase query over every article
    took up to 1.5 s for an 8-syllable query typed without accents on 35k articles."""

    SAMPLE = 16

    def __init__(self, scoring: Any) -> None:
        self._scoring = scoring
        self._counts: dict[tuple[str, str], int] = {}

    def __call__(self, first: str, second: str) -> int:
        key = (first, second)
        if key not in self._counts:
            docs = self._scoring.term_docs(f"{FIELD}_pair", f"{folded_term(first)}_{folded_term(second)}")
            for syllable in (first, second):
                if len(docs):
                    docs = docs[np.isin(docs, self._scoring.term_docs(FIELD, syllable), assume_unique=True)]
            self._counts[key] = round(len(docs) * self._adjacent_share(docs, first, second)) if len(docs) else 0
        return self._counts[key]

    def _sample(self, docs: np.ndarray) -> np.ndarray:
        """At most ``SAMPLE`` consecutive articles from the middle of those of as few segments as
        hold that many: each segment sampled costs two Whoosh matchers, and each article apart a
        block of each word's postings (spread over all 36 segments of a 350k index: 10 ms a pair
        and 0.1–0.3 s a query). Measured as good as an even spread (bench/README.md)."""
        if len(docs) <= self.SAMPLE:
            return docs
        owners = self._scoring.segments_of(docs)
        counts = np.bincount(owners, minlength=len(self._scoring.segments))
        order = np.argsort(-counts, kind="stable")
        needed = int(np.searchsorted(np.cumsum(counts[order]), self.SAMPLE)) + 1
        pool = docs[np.isin(owners, order[:needed])]
        middle = (len(pool) - self.SAMPLE) // 2
        return pool[middle : middle + self.SAMPLE]

    def _adjacent_share(self, docs: np.ndarray, first: str, second: str) -> float:
        sample = self._sample(docs)
        segments = [(segment.reader, segment.offset) for segment in self._scoring.segments]
        return int(in_order(segments, FIELD, [first.encode("utf-8"), second.encode("utf-8")], sample).sum()) / len(sample)


def _best_sequence(pair_count: Any, options: Sequence[list[tuple[str, int]]]) -> list[str]:
    """Viterbi over the options: common syllables, and above all pairs that occur together."""
    scores = [log(1 + df) for _, df in options[0]]
    back: list[list[int]] = []
    for i in range(1, len(options)):
        new_scores, pointers = [], []
        for word, df in options[i]:
            best_j, best = 0, float("-inf")
            for j, (prev, _) in enumerate(options[i - 1]):
                score = scores[j] + PAIR_WEIGHT * log(1 + pair_count(prev, word))
                if score > best:
                    best_j, best = j, score
            new_scores.append(best + log(1 + df))
            pointers.append(best_j)
        scores, back = new_scores, back + [pointers]
    k = max(range(len(scores)), key=scores.__getitem__)
    path = [k]
    for pointers in reversed(back):
        k = pointers[k]
        path.append(k)
    path.reverse()
    return [options[i][k][0] for i, k in enumerate(path)]


def _restore_case(typed: str, restored: str) -> str:
    """Keep the user's capitals where they typed them ("Ha Noi" → "Hà Nội")."""
    if typed[:1].isupper():
        return restored[:1].upper() + restored[1:]
    return restored


def suggest_query(searcher: Any, parsed: ParsedQuery, vocabulary: Vocabulary, scoring: Any = None) -> str | None:
    """A corrected query when accents are missing or a word is unknown; None when nothing changes.

    ``scoring`` is the searcher's :class:`newsearch.scoringcache.ScoringCache` (its decoded posting
    lists are shared with the search)."""
    if len(parsed.groups) != 1 or parsed.excluded:
        return None
    terms = parsed.groups[0]
    typed = [m for t in terms for m in SYLLABLE_PATTERN.findall(t.text)]
    if not typed or len(typed) > MAX_SUGGEST_SYLLABLES or any(t.field or t.phrase for t in terms):
        return None
    scoring = scoring or ScoringCache(searcher)
    options = [_candidates(scoring, s, vocabulary) for s in typed]
    if any(not o for o in options):
        return None
    pair_count = PairCounts(scoring)
    restored = [_restore_case(t, r) for t, r in zip(typed, _best_sequence(pair_count, options))]
    suggestion = " ".join(restored)
    if [syllable_term(s) for s in restored] == [syllable_term(s) for s in typed]:
        return None
    return suggestion

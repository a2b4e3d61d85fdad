"""Score a whole query at once with numpy: every matching article, BM25F as Whoosh computes it.

Whoosh scores one document at a time through a tree of Python matchers: about 50–100 µs per
matching article for our queries, so a two-word query matching 16,000 articles took 1.5 s. Our
queries are sums of BM25F term scores combined by Or, And, AndMaybe and AndNot; here each term's
whole posting list is read into arrays (from the segments' posting arrays, :mod:`newsearch.postings`,
else block by block from Whoosh's postings), scored in one vector operation, and the
combinations become set operations on sorted document numbers: an Or tree of terms (a long query)
is one sum over all its terms' postings, decoded together; an And reads its later parts only for
the articles its rarest part left. Same formula, same statistics (Whoosh's idf, average field
lengths and byte-encoded document lengths), same matches and totals; sums made in another order
may differ from Whoosh's in the last bit or two.

A search that shows only its best results says so (:class:`newsearch.pruning.Wanted`): a long query's commonest
terms are then scored only for the articles that can still reach them (max-score pruning, see
:mod:`newsearch.pruning`); every match is still found and counted. A phrase is the And of its words,
kept where their positions follow one another (:mod:`newsearch.phrases`). Any other part of a
query (a date range) is read from Whoosh's own matcher document by document: such parts match few
articles. Only another weighting model raises :class:`Unsupported` (the caller then runs the query
through Whoosh).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F

from .bm25 import score_into
from .matches import EMPTY_DOCS, EMPTY_SCORES, Matches, positions_of
from .phrases import has_positions, in_order
from .pruning import Phrase, Spans, Wanted, add_phrases, core_docs, live_flags, pruned_sum
from .ranking import WideOr
from .scoringcache import DENSE_FROM, ScoringCache, Segment, decode

__all__ = ["Unsupported", "score_query", "query_terms"]

_COMBINATIONS = (wq.Or, wq.And, WideOr)


class Unsupported(Exception):
    """The query has a part this module does not evaluate; use Whoosh's matchers."""


def _term(node: wq.Term, cache: ScoringCache, weighting: BM25F, within: np.ndarray | None = None) -> Matches:
    """A term over every segment at once: its postings are gathered from each segment (global
    document numbers), then filtered and scored in one pass over index-wide arrays. The query tree
    is evaluated once, not once per segment, and a term's fixed costs are paid once: a bulk load
    leaves two segments per commit (36 at 350k articles)."""
    text = _bytes_of(node, cache)
    if text is None:
        return Matches(EMPTY_DOCS, EMPTY_SCORES)
    if within is None:
        docs, weights = cache.term_postings(node.fieldname, text)
        frequency = len(docs)  # deleted documents counted, as Whoosh counts them
    else:
        docs, weights, frequency = cache.term_postings_within(node.fieldname, text, within)
    return _scored(node, node.boost, docs, weights, frequency, cache, weighting)


def _scored(node: wq.Term, factor: float, docs: np.ndarray, weights: np.ndarray, frequency: int,
            cache: ScoringCache, weighting: BM25F) -> Matches:
    """A term's live documents and their BM25F scores times ``factor`` (its boost, and in a
    flattened Or the boosts above it)."""
    if not len(docs):
        return Matches(EMPTY_DOCS, EMPTY_SCORES)
    alive = cache.alive()
    if alive is not None:
        keep = alive[docs]
        docs, weights = docs[keep], weights[keep]
    scores = np.empty(len(docs))
    score_into(scores, node, factor, docs, weights, frequency, cache, weighting)
    return Matches(docs, scores)


def _concatenated(parts: list[Matches]) -> Matches:
    """Matches of consecutive segments (their document numbers already global and increasing)."""
    parts = [p for p in parts if len(p.docs)]
    if len(parts) <= 1:
        return parts[0] if parts else Matches(EMPTY_DOCS, EMPTY_SCORES)
    return Matches(np.concatenate([p.docs for p in parts]), np.concatenate([p.scores for p in parts]))


def _union(parts: list[Matches], size: int) -> Matches:
    """Every document of any part, its scores summed (in part order, as Whoosh's Or adds them).

    Long parts are added into a dense array over all ``size`` documents: linear, where sorting
    the concatenation (np.unique) grew as n log n and was the largest cost of a long query at
    350k articles. Short ones, where a dense array would cost more than the sort, are sorted."""
    parts = [p for p in parts if len(p.docs)]
    if not parts:
        return Matches(EMPTY_DOCS, EMPTY_SCORES)
    if len(parts) == 1:
        return parts[0]
    total = sum(len(p.docs) for p in parts)
    if total * DENSE_FROM > size:
        summed = np.zeros(size)
        present = np.zeros(size, dtype=bool)
        for part in parts:  # a part's documents are distinct: plain fancy indexing adds once each
            summed[part.docs] += part.scores
            present[part.docs] = True
        docs = np.flatnonzero(present)
        return Matches(docs, summed[docs])
    docs, inverse = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
    return Matches(docs, np.bincount(inverse, weights=np.concatenate([p.scores for p in parts]), minlength=len(docs)))


def _scores_at(part: Matches, docs: np.ndarray, size: int) -> np.ndarray:
    """``part``'s score of each of ``docs`` (sorted), 0.0 where it does not match (adding it
    changes no sum): through an index-wide array when many, else by binary search."""
    if not len(part.docs) or not len(docs):
        return np.zeros(len(docs))
    if (len(part.docs) + len(docs)) * DENSE_FROM > size:
        dense = np.zeros(size)
        dense[part.docs] = part.scores
        return dense[docs]
    where = np.minimum(part.docs.searchsorted(docs), len(part.docs) - 1)
    return np.where(part.docs[where] == docs, part.scores[where], 0.0)


def _restricted(matches: Matches, within: np.ndarray | None) -> Matches:
    if within is None:
        return matches
    at = positions_of(matches.docs, within)
    return Matches(matches.docs[at], matches.scores[at])


def _evaluate(node: Any, cache: ScoringCache, weighting: BM25F, within: np.ndarray | None = None,
              wanted: Wanted | None = None) -> Matches:
    """The documents matching ``node`` (only those in ``within`` when given: an And's later parts
    and an AndMaybe's extra are read only for the documents still in the running) and their scores:
    the same matches either way, and the same scores to the last bit or two (exact only where
    they can reach the ``wanted`` results, when given)."""
    if isinstance(node, wq.Term):
        return _term(node, cache, weighting, within)
    if isinstance(node, wq.Phrase) and node.slop == 1 and has_positions(cache.searcher.schema, node.fieldname):
        return _phrase(node, cache, weighting, within)
    if within is None:
        shape = _or_shape(node)
        if shape is not None:
            return _flat_sum(shape[0], shape[1], cache, weighting, wanted)
    if node is wq.NullQuery or isinstance(node, type(wq.NullQuery)):
        return Matches(EMPTY_DOCS, EMPTY_SCORES)
    if type(node) in _COMBINATIONS and not getattr(node, "minmatch", 0) and getattr(node, "scale", None) is None:
        subs = node.subqueries
        if not subs:
            return Matches(EMPTY_DOCS, EMPTY_SCORES)
        if isinstance(node, wq.Or):
            result = _union([_evaluate(sub, cache, weighting, within) for sub in subs], cache.size)
        else:
            result = _conjunction(subs, cache, weighting, within)
        if len(subs) > 1 and node.boost != 1.0:
            result = Matches(result.docs, result.scores * node.boost)
        return result
    if isinstance(node, wq.AndMaybe) and getattr(node, "boost", 1.0) == 1.0:
        core = _evaluate(node.a, cache, weighting, within)
        extra = _evaluate(node.b, cache, weighting, core.docs if len(core.docs) * DENSE_FROM <= cache.size else within)
        return Matches(core.docs, core.scores + _scores_at(extra, core.docs, cache.size))
    if isinstance(node, wq.AndNot) and getattr(node, "boost", 1.0) == 1.0:
        kept = _evaluate(node.a, cache, weighting, within)
        dropped = _evaluate(node.b, cache, weighting, kept.docs)
        keep = ~np.isin(kept.docs, dropped.docs)
        return Matches(kept.docs[keep], kept.scores[keep])
    return _restricted(_concatenated([_via_whoosh(node, segment) for segment in cache.segments]), within)


def _or_shape(node: Any) -> tuple[Any, Any | None] | None:
    """(core, extra) of ``AndMaybe(Or tree, Or tree)``, (core, None) of an Or tree of terms, else
    None. Such a query scores an article as the sum of its terms' scores (the extra's only for
    articles the core matches), whatever the nesting."""
    if isinstance(node, wq.AndMaybe) and getattr(node, "boost", 1.0) == 1.0:
        return (node.a, node.b) if _is_or_tree(node.a) and _is_or_tree(node.b) else None
    return (node, None) if not isinstance(node, (wq.Term, wq.Phrase)) and _is_or_tree(node) else None


def _is_or_tree(node: Any) -> bool:
    if isinstance(node, (wq.Term, wq.Phrase)):
        return True
    return (isinstance(node, wq.Or) and type(node) in _COMBINATIONS and not getattr(node, "minmatch", 0)
            and getattr(node, "scale", None) is None and all(_is_or_tree(sub) for sub in node.subqueries))


def _leaves(node: Any, factor: float = 1.0) -> Iterator[tuple[Any, float]]:
    """Each term (or phrase) of an Or tree and what its score is multiplied by: its boost times
    those of the Ors above it (an Or of one part does not apply its own, as :func:`_evaluate` does
    not; a phrase's own boost is in its scores)."""
    if isinstance(node, wq.Term):
        yield node, factor * node.boost
        return
    if isinstance(node, wq.Phrase):
        yield node, factor
        return
    inner = factor * node.boost if len(node.subqueries) > 1 else factor
    for sub in node.subqueries:
        yield from _leaves(sub, inner)


def _flat_sum(core: Any, extra: Any | None, cache: ScoringCache, weighting: BM25F, wanted: Wanted | None = None) -> Matches:
    """An Or tree (with an AndMaybe's extra Or tree) as one sum over its terms: each term's
    scores are added into one array, where evaluating the tree merged each nested Or on its own
    (at 350k articles a title query's twelve syllables each made an index-wide union of their
    fields, then the query a union of those: half its time). Sums may differ from the tree's in
    the last bit (another order of additions), never the matching articles."""
    keys: list[tuple[str, bytes]] = []
    leaves: list[tuple[wq.Term, float]] = []
    phrases: list[Phrase] = []  # a headline's quoted words: matched on their own, added to the sum
    core_terms = 0
    for tree in (core, extra):
        for node, factor in _leaves(tree) if tree is not None else ():
            if isinstance(node, wq.Phrase):
                phrases.append(Phrase(_evaluate(node, cache, weighting), factor, tree is core))
                continue
            text = _bytes_of(node, cache)
            if text is not None:
                keys.append((node.fieldname, text))
                leaves.append((node, factor))
        if tree is core:
            core_terms = len(keys)
    lists, totals = cache.lists_of(keys)
    ends = np.cumsum(totals)
    core_size = int(ends[core_terms - 1]) if core_terms else 0
    if not core_size and not any(phrase.in_core and len(phrase.matches.docs) for phrase in phrases):
        return Matches(EMPTY_DOCS, EMPTY_SCORES)
    # every term's postings decoded and joined at once (the core's first), each term scored in its slice
    every_doc = decode(lists)
    every_weight = np.concatenate(lists.weights, dtype=np.float32) if lists.weights else np.empty(0, dtype=np.float32)  # exact: stored weights are float32 or small whole numbers
    spans = Spans(every_doc, every_weight, leaves, (ends - totals).tolist(), ends.tolist())
    if wanted is not None and len(every_doc) * DENSE_FROM > cache.size:
        return pruned_sum(spans, core_size, phrases, cache, weighting, wanted)
    every_score = np.empty(len(every_doc))
    for term in range(len(leaves)):
        spans.score_into(every_score[spans.starts[term] : spans.ends[term]], term, cache, weighting)
    alive = cache.alive()
    if phrases or len(every_doc) * DENSE_FROM > cache.size:  # bincount adds in array order: term by term
        summed = np.bincount(every_doc, weights=every_score, minlength=cache.size).astype(np.float64, copy=False)  # (int when empty)
        add_phrases(summed, phrases)
        docs = np.flatnonzero(live_flags(core_docs(spans, core_size, phrases), cache))
        return Matches(docs, summed[docs])
    docs, inverse = np.unique(every_doc, return_inverse=True)
    summed = np.bincount(inverse, weights=every_score, minlength=len(docs))
    matched = np.bincount(inverse[:core_size], minlength=len(docs)) > 0
    if alive is not None:
        matched &= alive[docs]
    return Matches(docs[matched], summed[matched])


def _bytes_of(node: wq.Term, cache: ScoringCache) -> bytes | None:
    """A term's text as the index holds it; None for a field the schema lacks or a text the
    field cannot hold (a word in a date field)."""
    schema = cache.searcher.schema
    if node.fieldname not in schema:
        return None
    try:
        return schema[node.fieldname].to_bytes(node.text)
    except ValueError:
        return None


def _conjunction(subs: list[Any], cache: ScoringCache, weighting: BM25F, within: np.ndarray | None) -> Matches:
    """Documents of every part: the part expected to match fewest is read first, every other only
    for the documents still in the running (a common syllable's list is then looked into, not
    scored and merged whole); scores summed in the parts' own order, as Whoosh adds them."""
    order = sorted(range(len(subs)), key=lambda i: _expected_matches(subs[i], cache))
    parts: dict[int, Matches] = {}
    running = within
    for i in order:
        parts[i] = part = _evaluate(subs[i], cache, weighting, running)
        running = part.docs  # each part's documents are among the previous part's
        if not len(running):
            return Matches(EMPTY_DOCS, EMPTY_SCORES)
    scores = np.zeros(len(running))
    for i in range(len(subs)):
        scores += _scores_at(parts[i], running, cache.size)
    return Matches(running, scores)


def _phrase(node: wq.Phrase, cache: ScoringCache, weighting: BM25F, within: np.ndarray | None) -> Matches:
    """A phrase as Whoosh scores it — the sum of its words' scores, times its boost — for the
    articles holding every word (an And of its words, with numpy) where the words stand one after
    another (positions read for those articles only, :mod:`newsearch.phrases`)."""
    words = [wq.Term(node.fieldname, word) for word in node.words]
    texts = [_bytes_of(word, cache) for word in words]
    if not words or any(text is None for text in texts):
        return Matches(EMPTY_DOCS, EMPTY_SCORES)
    every_word = _conjunction(words, cache, weighting, within)
    if not len(every_word.docs):
        return every_word
    keep = in_order([(segment.reader, segment.offset) for segment in cache.segments], node.fieldname, texts, every_word.docs)
    scores = every_word.scores[keep]
    return Matches(every_word.docs[keep], scores * node.boost if node.boost != 1.0 else scores)


def _expected_matches(node: Any, cache: ScoringCache) -> int:
    """At most how many documents a part matches, from its terms' document frequencies (terms
    already located: no reading); unknown parts count as the whole index."""
    if isinstance(node, wq.Term):
        text = _bytes_of(node, cache)
        return cache.frequency(node.fieldname, text) if text is not None else 0
    if isinstance(node, wq.Or) and type(node) in _COMBINATIONS:
        return min(cache.size, sum(_expected_matches(sub, cache) for sub in node.subqueries))
    if isinstance(node, wq.And) and node.subqueries:
        return min(_expected_matches(sub, cache) for sub in node.subqueries)
    if isinstance(node, (wq.AndMaybe, wq.AndNot)):
        return _expected_matches(node.a, cache)
    return cache.size


def _via_whoosh(node: Any, segment: Segment) -> Matches:
    """Anything else (a phrase such as "Covid-19", a date range) through Whoosh's own matcher,
    one document at a time: such parts of our queries match few articles."""
    matcher = node.matcher(segment.searcher)
    docs: list[int] = []
    scores: list[float] = []
    while matcher.is_active():
        docs.append(matcher.id())
        scores.append(matcher.score())
        matcher.next()
    return Matches(np.array(docs, dtype=np.int64) + segment.offset, np.array(scores, dtype=np.float64))


def score_query(cache: ScoringCache, query: Any, weighting: BM25F, wanted: Wanted | None = None) -> Matches:
    """Every document matching ``query`` with its score (global document numbers, sorted); with
    ``wanted``, scores exact from ``Matches.exact_from`` up, which the wanted results reach."""
    if type(weighting) is not BM25F:  # subclasses may score differently
        raise Unsupported(type(weighting).__name__)
    cache.locate(query_terms(query, cache))
    return _evaluate(query, cache, weighting, wanted=wanted)


def query_terms(query: Any, cache: ScoringCache) -> list[tuple[str, bytes]]:
    """(field, term bytes) of every term of a query, for :meth:`ScoringCache.locate`."""
    return list(_term_keys(query, cache))


def _term_keys(node: Any, cache: ScoringCache) -> Iterator[tuple[str, bytes]]:
    """(field, term bytes) of every Term in a query tree, and of every phrase's words, for
    :meth:`ScoringCache.locate`."""
    if isinstance(node, wq.Term):
        text = _bytes_of(node, cache)
        if text is not None:
            yield node.fieldname, text
        return
    if isinstance(node, wq.Phrase):  # its words are read as terms (an And of them)
        for word in node.words:
            yield from _term_keys(wq.Term(node.fieldname, word), cache)
        return
    for child in node.children():
        yield from _term_keys(child, cache)

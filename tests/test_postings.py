"""Posting arrays: a term's long posting list kept beside Whoosh's, giving exactly the same scores."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import newsearch
from newsearch import postings
from newsearch.fastscore import score_query
from newsearch.scoringcache import ScoringCache
from newsearch.index import segment_ids
from newsearch.manifest import write_manifest
from newsearch.query import parse_query
from newsearch.ranking import DEFAULT_RANKING, build_query

from .conftest import SAMPLE
from .test_fastscore import QUERIES

sorted_docs = st.lists(st.integers(0, 2**40), min_size=1, max_size=300, unique=True).map(sorted)


@given(sorted_docs, st.data())
def test_encode_then_decode_gives_the_postings_back(docs, data):
    weights = data.draw(st.one_of(
        st.lists(st.integers(1, 70_000), min_size=len(docs), max_size=len(docs)),
        st.lists(st.floats(0, 1e6, width=32), min_size=len(docs), max_size=len(docs)),
    ))
    raw, entry = postings.encode(docs, weights)
    found_docs, found_weights = postings.decode(raw, entry)
    assert found_docs.tolist() == docs
    assert found_weights.tolist() == np.asarray(weights, dtype=np.float32).astype(np.float64).tolist()


def _written(tmp_path, lists, fields=("content",), listed=()):
    """Write term lists {(field, term): (docs, weights)} as a segment's arrays file; open it."""
    from whoosh.codec.base import Segment
    from whoosh.filedb.filestore import FileStorage

    class _Segment(Segment):
        def __init__(self):
            self.segid = "test"
            self.indexname = "MAIN"

    storage, segment = FileStorage(str(tmp_path)), _Segment()
    writer = postings.PostingArraysWriter(storage, segment, fields, listed)
    for (field, term), (docs, weights) in lists.items():
        writer.add(field, term, docs, weights)
    writer.close()
    return postings.open_posting_arrays(storage, segment)


def _read(arrays, field, term):
    entries = arrays.locate(field, np.array([postings.term_hash(field, term)], dtype=np.uint64))
    if entries is None or entries[0] < 0:
        return None
    entry = int(entries[0])
    docs, weights = arrays.postings(entry)
    return docs.tolist(), weights.tolist()


@given(st.dictionaries(st.binary(min_size=1, max_size=6),
                       st.lists(st.integers(0, 70_000), min_size=1, max_size=700, unique=True).map(sorted),
                       min_size=1, max_size=12),
       st.booleans())
def test_every_term_of_a_covered_field_is_found_with_its_postings(tmp_path_factory, lists, whole_weights):
    terms = {("content" if n % 2 else "title", t): (d, [float((i % 7 + 1) * (1 + n % 3 * 200)) if whole_weights else i / 3
                                                      for i in range(len(d))])
             for n, (t, d) in enumerate(lists.items())}  # whole weights of one byte and of two
    terms[("id", b"x")] = ([1], [1.0])  # a field left to Whoosh
    arrays = _written(tmp_path_factory.mktemp("arrays"), terms, fields=("content", "title", "entities"))
    try:
        for (field, term), (docs, weights) in terms.items():
            found = _read(arrays, field, term)
            if field == "id":
                assert found is None
            else:
                assert found == (docs, np.asarray(weights, dtype=np.float32).astype(np.float64).tolist())
                (entry,) = arrays.locate(field, np.array([postings.term_hash(field, term)], dtype=np.uint64)).tolist()
                assert arrays.frequency(entry) == len(docs)
                assert arrays.postings(entry, base=1000)[0].tolist() == [d + 1000 for d in docs]  # a later segment's
                _assert_sliced_as_views(arrays, entry)
        assert _read(arrays, "content", b"\xff" * 7) is None  # absent: longer than any term drawn
        assert arrays.locate("entities", np.array([1, 2], dtype=np.uint64)).tolist() == [-1, -1]  # covered, empty
    finally:
        arrays.close()


@given(st.dictionaries(st.tuples(st.sampled_from(["content", "title"]), st.binary(min_size=1, max_size=4)),
                       st.lists(st.integers(0, 2_000), min_size=1, max_size=600, unique=True).map(sorted),
                       max_size=10),
       st.lists(st.binary(min_size=1, max_size=5), max_size=6))
def test_finding_many_fields_at_once_describes_each_term_as_one_by_one(tmp_path_factory, lists, asked):
    terms = {key: (docs, [1.0] * len(docs)) for key, docs in lists.items()}
    terms[("id", b"x")] = ([1], [1.0])  # a field left to Whoosh
    arrays = _written(tmp_path_factory.mktemp("arrays"), terms, fields=("content", "title", "entities"))
    try:  # held terms, absent ones, a covered field without terms, a field without arrays, any order
        keys = sorted({*lists, *((f, t) for t in asked for f in ("content", "title", "entities", "id"))})
        fields, start = [], 0
        for field in sorted({f for f, _ in keys}):
            count = sum(1 for f, _ in keys if f == field)
            fields.append((field, slice(start, start + count)))
            start += count
        hashes = np.array([postings.term_hash(f, t) for f, t in keys], dtype=np.uint64)
        kinds, counts, starts, firsts = arrays.find(fields, hashes)
        for column, (field, term) in enumerate(keys):
            entries = arrays.locate(field, hashes[column : column + 1])
            if entries is None:
                assert kinds[column] == postings.NOT_COVERED
                continue
            expected = [int(values[0]) for values in arrays.describe(entries)]
            assert [int(kinds[column]), int(counts[column]), int(starts[column]), int(firsts[column])][: 1 if expected[0] < 0 else 4] \
                == expected[: 1 if expected[0] < 0 else 4]
            assert (kinds[column] >= 0) == ((field, term) in lists)
    finally:
        arrays.close()


def _assert_sliced_as_views(arrays, entry):
    """A list sliced out of the file's typed views (what a long query reads) is the list as stored."""
    kind, count, start, _ = (int(values[0]) for values in arrays.describe(np.array([entry])))
    raw, weights, gaps = arrays.views(kind, count, start)
    (sliced_raw,), (sliced_weights,) = postings.sliced_lists([None, arrays], [1], [kind], [count], [start])
    assert sliced_raw.tolist() == raw.tolist() and sliced_raw.dtype == raw.dtype
    assert sliced_weights.tolist() == weights.tolist() and sliced_weights.dtype == weights.dtype
    assert postings.GAP_KINDS[kind] == gaps


def test_terms_sharing_a_hash_are_left_to_whoosh(tmp_path, monkeypatch):
    monkeypatch.setattr(postings, "_hash_of", lambda key: 7 if key[-1:] in (b"a", b"b") else 9)
    arrays = _written(tmp_path, {("content", b"a"): ([1], [1.0]), ("content", b"b"): ([2], [1.0]),
                                 ("content", b"c"): ([3, 4], [1.0, 2.0])})
    try:
        entries = arrays.locate("content", np.array([7, 9, 8], dtype=np.uint64)).tolist()
        assert arrays.locate("title", np.array([7], dtype=np.uint64)) is None  # not covered
        assert entries[2] == -1
        assert arrays.postings(entries[0]) is None and arrays.frequency(entries[0]) is None
        assert arrays.postings(entries[1])[0].tolist() == [3, 4]
        kind = int(arrays.describe(np.array([entries[0]]))[0][0])
        assert postings.sliced_lists([arrays], [0], [kind], [1], [0]) == ([None], [None])  # Whoosh must answer
    finally:
        arrays.close()


def test_small_whole_weights_take_one_byte_and_dense_documents_one_byte_each():
    raw, _ = postings.encode(list(range(1000, 3000, 3)), [1] * 667)
    assert len(raw) == 2 * 667


@pytest.fixture(scope="module")
def with_arrays(tmp_path_factory):
    """The sample corpus with posting arrays for every list of 8 postings or more, merged from
    several runs, some articles deleted."""
    path = tmp_path_factory.mktemp("arrays") / "ix"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "MIN_POSTINGS", 8)
        patch.setattr("newsearch.merge.AUTO_MERGE_DOCS", 0)
        articles = list(newsearch.read_articles([SAMPLE]))
        with newsearch.create_index(path) as ix:
            with ix.writer() as writer:
                writer.add_many(articles, commit_every=100, workers=2)
            with ix.writer() as writer:
                for article in articles[::7]:
                    writer.delete(article.id)
    return path


def _scores(path, text, *, use_arrays=True):
    with newsearch.open_index(path) as ix, ix.whoosh().searcher(weighting=DEFAULT_RANKING.weighting()) as searcher:
        cache = ScoringCache(searcher)
        try:
            if not use_arrays:
                cache.close()  # every list is then read from Whoosh's postings
            stored = sum(len(s.arrays) for s in cache.segments if s.arrays is not None)
            found = score_query(cache, build_query(parse_query(text), strict=False), searcher.weighting)
        finally:
            cache.close()
        return stored, dict(zip(found.docs.tolist(), found.scores.tolist()))


@pytest.mark.parametrize("text", QUERIES)
def test_scores_from_arrays_equal_scores_from_whoosh_postings(with_arrays, text):
    stored, from_arrays = _scores(with_arrays, text)
    assert stored > 1000  # the arrays are really there, and used
    none_stored, from_whoosh = _scores(with_arrays, text, use_arrays=False)
    assert none_stored == 0
    assert from_arrays == pytest.approx(from_whoosh, rel=1e-12)


def test_document_frequencies_from_the_directories_equal_whooshs(with_arrays):
    with newsearch.open_index(with_arrays) as ix, ix.whoosh().searcher() as searcher:
        cache = ScoringCache(searcher)
        try:
            reader = searcher.reader()
            terms = [(f, t.decode()) for f, t in reader.all_terms() if f in ("content", "title_pair", "entities")][::37]
            assert len(terms) > 100
            assert [cache.doc_frequency(f, t) for f, t in terms] == [searcher.doc_frequency(f, t) for f, t in terms]
            assert cache.doc_frequency("content", "không-có-từ-này") == 0
        finally:
            cache.close()


def test_an_index_written_before_posting_arrays_is_read_from_whoosh(with_arrays, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for file in with_arrays.iterdir():
        if file.is_file() and not file.name.endswith(postings.EXTENSION):
            (old / file.name).write_bytes(file.read_bytes())
    with newsearch.open_index(with_arrays) as ix:
        write_manifest(old, segment_ids(ix.whoosh()))  # an index of that time recorded no arrays
    assert _scores(old, "hà nội") == (0, _scores(with_arrays, "hà nội")[1])


def test_a_merged_segment_has_arrays_too(with_arrays, tmp_path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "MIN_POSTINGS", 8)
        with newsearch.open_index(with_arrays) as ix:
            ix.optimize()
    assert len(list(with_arrays.glob("*" + postings.EXTENSION))) == 1
    stored, from_arrays = _scores(with_arrays, "hà nội")
    assert stored > 1000
    assert from_arrays == pytest.approx(_scores(with_arrays, "hà nội", use_arrays=False)[1], rel=1e-12)


def test_a_damaged_arrays_file_is_reported_as_a_damaged_index(tmp_path):
    path = tmp_path / "ix"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "MIN_POSTINGS", 8)
        with newsearch.create_index(path) as ix, ix.writer() as writer:
            writer.add_many(newsearch.read_articles([SAMPLE]))
    (arrays,) = path.glob("*" + postings.EXTENSION)
    raw = arrays.read_bytes()
    arrays.write_bytes(raw[:-8] + b"\xff" * 8)  # same size: only reading it finds the damage
    with newsearch.open_index(path) as ix, pytest.raises(newsearch.IndexCorruptError, match="damaged"):
        ix.searcher().search("hà nội")


@pytest.mark.parametrize("last_document", [900, 70_000])  # one-document terms kept in 2 bytes, or 4
@pytest.mark.parametrize("slice_size", [7, 1 << 14])  # the directory read a slice at a time, or at once
def test_a_term_lookup_reads_only_its_fields_and_finds_what_the_arrays_find(tmp_path, monkeypatch, last_document, slice_size):
    monkeypatch.setattr(postings, "_SINGLES_SLICE", slice_size)
    lists = {("id", f"a{n}".encode()): ([n], [1.0]) for n in range(50)}
    lists[("id", b"last")] = ([last_document], [1.0])
    lists.update({("dup_bands", f"k{n}".encode()): (list(range(n, 2000, 3)), [1.0] * len(range(n, 2000, 3))) for n in range(3)})
    lists.update({("dup_bands", f"pair{n}".encode()): ([n, n + 7], [1.0, 1.0]) for n in range(5)})
    lists[("dup_bands", b"one")] = ([65_535], [1.0])  # the largest two-byte number is no marker
    lists[("content", b"x")] = ([1, 2], [1.0, 1.0])
    arrays = _written(tmp_path, lists, fields=("id", "dup_bands", "content"))
    arrays.close()
    from whoosh.filedb.filestore import FileStorage

    (path,) = tmp_path.glob("*" + postings.EXTENSION)
    lookup = postings.TermLookup(FileStorage(str(tmp_path)).open_file(path.name), ["id", "dup_bands"])

    def docs(field, term):
        hashes, singles = lookup.hashes(field), lookup.singles(field)
        assert (hashes[:-1] < hashes[1:]).all() and lookup.size(field) == len(hashes) == len(singles)
        at = int(hashes.searchsorted(postings.term_hash(field, term)))
        if at == len(hashes) or hashes[at] != postings.term_hash(field, term):
            return []
        return [int(singles[at])] if singles[at] != postings.MANY else lookup.entry_docs(field, at)

    try:
        assert not lookup.covers("content")  # not asked for
        for (field, term), (listed, _) in lists.items():
            if field != "content":
                assert docs(field, term) == listed
        singles = lookup.singles("dup_bands")
        assert (singles == postings.MANY).sum() == 3 + 5  # the lists of several documents
        assert lookup.singles("dup_bands", 2, 6).tolist() == singles[2:6].tolist()
        assert lookup.hashes("dup_bands", 2, 6).tolist() == lookup.hashes("dup_bands")[2:6].tolist()
        assert docs("id", b"nowhere") == []
        with pytest.raises(IndexError):
            lookup.entry_docs("id", 51)
        with pytest.raises(IndexError):
            lookup.hashes("id", 3, 52)
    finally:
        lookup.close()


def test_a_listed_fields_terms_are_kept_in_order_and_others_are_not(tmp_path):
    lists = {("content", b"gi\xc3\xa1"): ([1, 4], [1.0, 2.0]), ("content", b"v\xc3\xa0ng"): ([2], [1.0]),
             ("title", b"gia"): ([3], [1.0])}
    arrays = _written(tmp_path, lists, fields=("content", "title"), listed=("content",))
    try:
        assert arrays.terms("content") == [b"gi\xc3\xa1", b"v\xc3\xa0ng"]
        assert arrays.terms("title") is None  # not listed: the caller reads Whoosh's lexicon
    finally:
        arrays.close()


def test_a_file_written_without_term_lists_says_so(tmp_path):
    arrays = _written(tmp_path, {("content", b"x"): ([1], [1.0])})
    try:
        assert arrays.terms("content") is None
    finally:
        arrays.close()

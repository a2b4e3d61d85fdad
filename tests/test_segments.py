import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT
from whoosh.analysis import RegexTokenizer

import newsearch
import newsearch.segments
from newsearch.index import IndexWriter
from newsearch.pipeline import build_document
from newsearch.segments import SegmentBuilder, term_postings

from .conftest import SAMPLE

TERMS = st.lists(st.sampled_from(["hà", "nội", "ha", "noi", "tri_tue", "x", "của"]), max_size=30)


@settings(max_examples=200, deadline=None)
@given(TERMS, st.booleans())
def test_term_postings_are_whooshs_own_postings(terms, positional):
    field = TEXT(analyzer=RegexTokenizer(r"[^ ]+"), phrase=positional)
    text = " ".join(terms)
    ours, length = term_postings(text, positional=positional)
    theirs = [(t, f, v) for t, f, _, v in field.index(text)]
    assert sorted(ours) == sorted(theirs)
    assert length == len(terms)


def _dump(ix: newsearch.Index) -> tuple:
    with ix.whoosh().reader() as reader:
        docs = sorted((stored["id"], sorted(stored.items())) for _, stored in reader.iter_docs())
        ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
        postings = {}
        for field, term in reader.all_terms():
            kind = "positions" if reader.schema[field].format.supports("positions") else "weight"
            postings[field, term] = sorted((ids[d], v) for d, v in reader.postings(field, term).items_as(kind))
        lengths = {(ids[d], f): reader.doc_field_length(d, f) for d in ids for f in reader.schema.scorable_names()}
        columns = {f: sorted((ids[d], v) for d, v in enumerate(reader.column_reader(f)) if d in ids)
                   for f in ("date", "cluster", "facet_values")}
        return docs, postings, lengths, columns


def test_a_built_segment_reads_exactly_like_one_written_by_whoosh(tmp_path):
    articles = list(itertools.islice(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]), 40))
    documents = [build_document(a, None, a.id) for a in articles]
    with newsearch.create_index(tmp_path / "whoosh") as reference:
        with reference.whoosh().writer() as writer:
            for document in documents:
                writer.add_document(**document)
        expected = _dump(reference)
    with newsearch.create_index(tmp_path / "built") as built:
        builder = SegmentBuilder(built.path, memory_mb=1)  # postings spilled to runs, then merged
        for document in documents:
            builder.add(dict(document))
        assert len(builder._runs) > 1
        segments = builder.finish()
        assert len(segments) == 1 and not list((built.path / "MAIN.tmp").glob("*.run"))
        built.whoosh().writer().commit(mergetype=lambda w, existing: existing + segments)
        assert _dump(built) == expected


def test_an_article_given_twice_to_a_builder_is_kept_once(tmp_path):
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add(newsearch.Article(id="a", title="Hà Nội", body="bản cũ"))
            writer.add(newsearch.Article(id="a", title="Hà Nội", body="bản mới"))
            assert writer.report.added == 1 and writer.report.replaced == 1
        assert ix.doc_count() == 1 and ix.get("a").body == "bản mới"


def test_cancel_leaves_no_segment_files(tmp_path):
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add(newsearch.Article(id="a", title="Hà Nội", body="Hà Nội"))
        before = sorted(p.name for p in ix.path.iterdir())
        writer: IndexWriter = ix.writer()
        writer.add_many([newsearch.Article(id=str(n), title="Huế", body="Huế " * 50) for n in range(30)], workers=2)
        writer._builders.finish()  # segments written, never committed
        writer.cancel()
        assert sorted(p.name for p in ix.path.iterdir()) == before


def _segment_files(path) -> dict[str, bytes]:
    """A lone segment's files by extension (the segment's id differs from build to build)."""
    return {file.name.split(".", 1)[1]: file.read_bytes() for file in path.iterdir() if file.name.startswith("MAIN_")}


def test_short_terms_written_in_one_step_are_byte_for_byte_whooshs(tmp_path, monkeypatch):
    """Terms of one block go through write_short_term; the files equal those written through
    Whoosh's own start_term / finish_term for every term (postings, terms table, all)."""
    articles = list(itertools.islice(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]), 60))
    documents = [build_document(a, None, a.id) for a in articles]
    documents += [{**d, "id": f"{d['id']}-{copy}"} for copy in range(2) for d in documents]  # common terms: > 1 block
    documents[0]["title"] += " ngày" * 300  # a term held 300 times by one article: weights differ
    calls = []
    real = newsearch.segments.write_short_term
    monkeypatch.setattr("newsearch.segments.write_short_term", lambda *args: calls.append(real(*args)) or calls[-1])

    def build(path, short_terms: bool) -> dict[str, bytes]:
        with monkeypatch.context() as patch:
            if not short_terms:
                patch.setattr("newsearch.segments.write_short_term", lambda *args: False)
            builder = SegmentBuilder(path)
            for document in documents:
                builder.add(dict(document))
            builder.finish()
        return _segment_files(path)

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one_step, through_whoosh = build(tmp_path / "a", True), build(tmp_path / "b", False)
    assert set(one_step) >= {"pst", "trm", "npost"}
    assert one_step == through_whoosh
    assert calls.count(True) > 1000 and calls.count(False) > 10  # both kinds of term were written

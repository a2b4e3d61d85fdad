import itertools

import newsearch
from newsearch.committed import CommittedLookup, SessionKeys

from .conftest import SAMPLE


def test_session_keys_hold_what_was_added_and_little_else():
    keys = SessionKeys()
    keys.add("id", [f"a{n}" for n in range(1000)])
    keys.add("dup_bands", ["0abc"])
    assert all(keys.may_hold("id", f"a{n}") for n in range(1000))
    assert keys.may_hold("dup_bands", "0abc") and not keys.may_hold("id", "0abc")
    assert sum(keys.may_hold("id", f"b{n}") for n in range(1000)) == 0


def _copy(article: newsearch.Article, new_id: str) -> newsearch.Article:
    return newsearch.Article(id=new_id, title=article.title, lead=article.lead, body=article.body)


def test_ids_and_duplicates_are_found_in_segments_the_session_committed(tmp_path):
    old, *news = itertools.islice(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]), 8)
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many([old], workers=0)
        again = [news[1], _copy(news[2], "copy-of-2"), _copy(old, "copy-of-old")]
        with ix.writer() as writer:
            report = writer.add_many(news + again, commit_every=2, workers=0)
        assert report.added == 9 and report.replaced == 1  # news[1] again, after checkpoints
        assert ix.doc_count() == 10
        with ix.searcher() as searcher:
            for article, copy in ((news[2], "copy-of-2"), (old, "copy-of-old")):
                hit = searcher.search(article.title, limit=3).hits[0]
                assert {hit.id, *hit.similar} == {article.id, copy}  # clustered across checkpoints


def test_lookup_reads_session_segments_only_for_keys_they_may_hold(tmp_path):
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many([newsearch.Article(id="a1", title="Hà Nội"), newsearch.Article(id="b2", title="Huế")], commit_every=1, workers=0)
        reader = ix.whoosh().reader()
        segments = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()} if hasattr(reader, "leaf_readers") else {reader.segment().segment_id()}
        keys = SessionKeys()
        keys.add("id", ["a1"])
        lookup = CommittedLookup(reader, segments, keys)
        assert [leaf.stored_fields(d)["id"] for leaf, d in lookup.live("id", "a1")] == ["a1"]
        assert list(lookup.live("id", "b2")) == []  # there, but the keys say the session never wrote it
        assert [[leaf.stored_fields(d)["id"] for leaf, d in hits] for hits in lookup.live_many("id", ["b2", "a1", "c3"])] == [[], ["a1"], []]
        assert [leaf.stored_fields(d)["id"] for leaf, d in CommittedLookup(reader, set(), keys).live("id", "b2")] == ["b2"]
        reader.close()


def test_lookups_through_posting_arrays_equal_lookups_through_whoosh(tmp_path, monkeypatch):
    articles = list(itertools.islice(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]), 60))
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles + [_copy(a, f"copy-{a.id}") for a in articles[:20]], commit_every=25, workers=0)
        with ix.writer() as writer:
            writer.delete(articles[3].id)
        reader = ix.whoosh().reader()
        probes = [("id", a.id) for a in articles] + [("id", "nowhere")]
        probes += [("dup_bands", t.decode()) for f, t in reader.all_terms() if f == "dup_bands"][:300]

        def found(lookup):
            return [sorted(leaf.stored_fields(d)["id"] for leaf, d in lookup.live(f, t)) for f, t in probes]

        def found_together(lookup):  # live_many, a field's terms at once, in the same order as live()
            by_term = {}
            for field in ("id", "dup_bands"):
                texts = [t for f, t in probes if f == field]
                by_term.update({(field, t): [leaf.stored_fields(d)["id"] for leaf, d in hits]
                                for t, hits in zip(texts, lookup.live_many(field, texts))})
            return [sorted(by_term[probe]) for probe in probes]

        with_arrays = CommittedLookup(reader, set(), SessionKeys())
        assert len(with_arrays._opened) == len(reader.leaf_readers())  # noqa: SLF001 - every segment has arrays
        expected = found(with_arrays)
        assert found_together(with_arrays) == expected
        with_arrays.close()
        monkeypatch.setattr("newsearch.committed.term_lookup", lambda leaf: None)
        assert found(CommittedLookup(reader, set(), SessionKeys())) == expected
        assert found_together(CommittedLookup(reader, set(), SessionKeys())) == expected
        assert expected[3] == [] and expected[60] == [] and sum(map(len, expected)) > 300
        reader.close()


def test_a_damaged_posting_arrays_file_does_not_stop_adding_articles(tmp_path):
    articles = list(itertools.islice(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]), 6))
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles[:3], workers=0)
        (arrays,) = (tmp_path / "ix").glob("*.npost")
        arrays.write_bytes(b"\x00" * arrays.stat().st_size)
        with ix.writer() as writer:
            report = writer.add_many(articles[2:], workers=0)  # articles[2] again: found through Whoosh
        assert (report.added, report.replaced) == (3, 1)
        assert ix.doc_count() == 6

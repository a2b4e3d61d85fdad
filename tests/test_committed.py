import itertools

import numpy as np
import pytest

import newsearch
from newsearch import committed
from newsearch.committed import CommittedLookup
from newsearch.postings import MANY
from newsearch.schema import duplicate_signature

from .conftest import SAMPLE


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


def test_one_lookup_finds_a_term_in_every_segment_holding_it_in_segment_order(tmp_path):
    story = next(iter(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"])))
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:  # one segment per copy: every band key in three segments
            writer.add_many([_copy(story, f"copy-{n}") for n in range(3)], commit_every=1, workers=0)
        with ix.writer() as writer:
            writer.delete("copy-1")
        reader = ix.whoosh().reader()
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        order = {leaf.stored_fields(0)["id"]: n for n, leaf in enumerate(leaves)}
        keys = sorted({t.decode() for f, t in reader.all_terms() if f == "dup_bands"})
        lookup = CommittedLookup(reader)
        hits = lookup.live_many("dup_bands", keys + ["nowhere"])
        held = sorted((copy for copy in order if copy != "copy-1"), key=order.get)
        assert len(keys) == 16 and hits[-1] == []
        assert all([leaf.stored_fields(d)["id"] for leaf, d in found] == held for found in hits[:-1])
        assert [[leaf.stored_fields(d)["id"] for leaf, d in found] for found in lookup.live_many("id", ["copy-2", "copy-1"])] == [["copy-2"], []]
        lookup.close()
        assert list(lookup.live("id", "copy-2")) == []  # closed: nothing left to probe
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

        with_arrays = CommittedLookup(reader)
        assert len(with_arrays._opened) == len(reader.leaf_readers())  # noqa: SLF001 - every segment has arrays
        expected = found(with_arrays)
        assert found_together(with_arrays) == expected
        with_arrays.close()
        monkeypatch.setattr("newsearch.committed.term_lookup", lambda leaf: None)
        assert found(CommittedLookup(reader)) == expected
        assert found_together(CommittedLookup(reader)) == expected
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


class _Directory:
    """A segment's directory of one field, as TermLookup gives it."""

    def __init__(self, hashes, singles):
        self._hashes, self._singles = np.array(hashes, dtype=np.uint64), np.array(singles, dtype=np.uint32)

    def hashes(self, fieldname, begin=0, end=None):
        return self._hashes[begin:end]

    def singles(self, fieldname, begin=0, end=None):
        return self._singles[begin:end]


@pytest.mark.parametrize("seed", range(3))
def test_a_table_holds_every_segments_terms_sorted_with_their_segment_and_document(seed):
    rng = np.random.default_rng(seed)
    shared = rng.integers(0, 1 << 63, 50, dtype=np.uint64) * np.uint64(2)  # held by several segments
    edges = np.array([1 << 60, (1 << 60) - 1, 15 << 60, (1 << 64) - 1, 0], dtype=np.uint64)  # the ranges' edges
    directories = []
    for number in range(5):
        own = rng.integers(0, 1 << 63, int(rng.integers(0, 400)), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        hashes = np.unique(np.concatenate([own, rng.choice(shared, 20, replace=False), edges[: number + 1]]))
        singles = rng.integers(0, 70_000, len(hashes)).astype(np.uint32)
        singles[rng.random(len(hashes)) < 0.2] = MANY
        directories.append(_Directory(hashes, singles))
    table = committed._table_of(directories, "dup_bands")
    expected = sorted(
        (int(h), owner, int(s) if s != MANY else int(committed._ENTRY) + at)
        for owner, d in enumerate(directories) for at, (h, s) in enumerate(zip(d.hashes("f"), d.singles("f")))
    )  # equal hashes: the segments in order
    assert list(zip(table.hashes.tolist(), table.owners.tolist(), table.values.tolist())) == expected
    assert len(committed._table_of([], "dup_bands").hashes) == 0


def test_a_duplicate_candidate_is_read_from_the_columns(tmp_path):
    articles = list(itertools.islice(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]), 6))
    copies = [_copy(a, f"copy-{a.id}") for a in articles[:3]]
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles + copies, commit_every=4, workers=0)
        reader = ix.whoosh().reader()
        lookup = CommittedLookup(reader)
        expected = {a.id: (a.id, a.id, duplicate_signature(a) or b"") for a in articles}
        expected |= {c.id: (c.id, a.id, duplicate_signature(c)) for c, a in zip(copies, articles)}
        found = {}
        for leaf, _ in reader.leaf_readers():
            for docnum in range(leaf.doc_count_all()):
                candidate = lookup.duplicate_candidate(leaf, docnum)
                found[candidate[0]] = candidate
        assert found == expected and all(len(sig) == 256 for _, _, sig in found.values())
        lookup.close()
        reader.close()

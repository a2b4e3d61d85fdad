import itertools
from types import SimpleNamespace

import pytest

import newsearch
from newsearch.check import check_index
from newsearch.cli import app
from newsearch.errors import IndexLockedError
from newsearch import merge as merge_module
from newsearch.merge import AUTO_MERGE_DOCS, MERGE_FACTOR, SMALLEST_TIER, merge_small, tiered_merge
from newsearch.pipeline import build_document

from .conftest import SAMPLE
from .test_segments import _dump

QUERIES = ("Hà Nội", "bóng đá việt nam", "gia vang", '"thành phố"', "kinh tế -Mỹ", "title:Covid")


def _articles(count: int) -> list[newsearch.Article]:
    return list(itertools.islice(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]), count))


def _segments(ix: newsearch.Index) -> int:
    return len(ix.whoosh()._segments())


def _rankings(ix: newsearch.Index) -> list[list[tuple[str, float]]]:
    with ix.searcher() as searcher:
        return [[(h.id, round(h.score, 9)) for h in searcher.search(q, limit=20, collapse=False).hits] for q in QUERIES]


@pytest.fixture()
def no_auto_merge(monkeypatch):
    """Commits keep every segment as it is (to give optimize several to merge)."""
    monkeypatch.setattr("newsearch.merge.AUTO_MERGE_DOCS", 0)


def test_optimize_gives_one_segment_with_the_same_content_and_rankings(tmp_path, no_auto_merge):
    articles = _articles(60)
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles[:30], commit_every=10, workers=2)
        with ix.writer() as writer:
            writer.add_many(articles[30:], workers=0)
        before = _segments(ix)
        expected, rankings = _dump(ix), _rankings(ix)
        assert ix.optimize() == before > 1
        assert _segments(ix) == 1
        assert _dump(ix) == expected
        assert _rankings(ix) == rankings  # same statistics: exact field length totals kept
        assert check_index(ix.path).ok


def test_deleted_and_replaced_articles_are_dropped_by_the_merge(tmp_path, no_auto_merge):
    articles = _articles(40)
    kept = articles[:25] + [newsearch.Article(id=articles[25].id, title="Bản mới Xylofon", body="Hà Nội mưa to bản mới")]
    with newsearch.create_index(tmp_path / "reference") as reference, reference.writer() as writer:
        writer.add_many(kept, workers=0)
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles, commit_every=15, workers=0)
        with ix.writer() as writer:
            writer.add(kept[-1])  # replaces the committed copy
            for article in articles[26:]:
                assert writer.delete(article.id)
        ix.optimize()
        assert _segments(ix) == 1 and ix.doc_count() == 26
        assert _dump(ix) == _dump(reference)
        with ix.searcher() as searcher:
            assert [h.id for h in searcher.search("Xylofon").hits] == [articles[25].id]
            assert not any(h.id == articles[30].id for h in searcher.search(articles[30].title, limit=50).hits)


def _raw_postings(ix: newsearch.Index) -> dict:
    """Every posting of the fields merged from the posting arrays, with Whoosh's raw values."""
    with ix.whoosh().reader() as reader:
        ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
        out = {}
        for field, term in reader.all_terms():
            if reader.schema[field].format.supports("positions"):
                continue
            matcher, items = reader.postings(field, term), []
            while matcher.is_active():
                items.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            if items:  # a term of deleted articles only is not merged
                out[field, term] = sorted(items)
        return out


def test_fields_without_positions_are_merged_from_the_posting_arrays(tmp_path, no_auto_merge, monkeypatch):
    """Frequencies and existence fields are read from the .npost arrays, long lists (gaps) and
    short (numbers) alike, deleted articles dropped: the same postings and values as Whoosh's."""
    monkeypatch.setattr("newsearch.postings.MIN_POSTINGS", 3)  # many lists stored as gaps
    articles = _articles(45)
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles, commit_every=15, workers=0)
        with ix.writer() as writer:
            for article in articles[::7]:
                assert writer.delete(article.id)
        expected = _raw_postings(ix)
        assert any(len(items) >= 3 for items in expected.values())
        read: list[int] = []
        original = merge_module._InArrays.postings
        monkeypatch.setattr(merge_module._InArrays, "postings", lambda self: read.append(1) or original(self))
        ix.optimize()
        assert _segments(ix) == 1 and _raw_postings(ix) == expected
        assert len(read) > len(expected) / 2  # most lists came from the arrays


def test_segments_written_by_whoosh_itself_are_merged_too(tmp_path, no_auto_merge):
    """Whoosh's own writer makes compound segment files (an index from before the builders)."""
    articles = _articles(30)
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.whoosh().writer() as whoosh_writer:
            for article in articles[:15]:
                whoosh_writer.add_document(**build_document(article, None, article.id))
        assert ix.whoosh()._segments()[0].is_compound()
        with ix.writer() as writer:
            writer.add_many(articles[15:], workers=0)
        expected = _dump(ix)
        ix.optimize()
        assert _segments(ix) == 1 and _dump(ix) == expected


def test_many_short_runs_are_merged_as_they_go(tmp_path):
    articles = _articles(48)
    with newsearch.create_index(tmp_path / "ix") as ix:
        for start in range(0, 48, 3):  # 16 runs of 3 articles, as a feed would add them
            with ix.writer() as writer:
                writer.add_many(articles[start : start + 3], workers=0)
            assert _segments(ix) < 2 * MERGE_FACTOR
        assert ix.doc_count() == 48
        with ix.searcher() as searcher:
            for article in articles[::7]:
                assert article.id in [h.id for h in searcher.search(article.title, limit=5, collapse=False).hits]


def _fake(count: int, deleted: int = 0) -> SimpleNamespace:
    return SimpleNamespace(doc_count=lambda: count - deleted, doc_count_all=lambda: count)


def test_tiers_merge_only_segments_of_like_size():
    small = [_fake(100 + n) for n in range(MERGE_FACTOR)]
    large = [_fake(SMALLEST_TIER * MERGE_FACTOR * 2)]
    assert tiered_merge(small[:-1] + large) == []
    assert tiered_merge(small + large) == [small]
    mixed = small + [_fake(SMALLEST_TIER * 2) for _ in range(MERGE_FACTOR - 1)]
    assert tiered_merge(mixed) == [small]


def test_commits_leave_large_segments_alone_and_drop_empty_ones():
    large = [_fake(AUTO_MERGE_DOCS + 1) for _ in range(MERGE_FACTOR * 2)]
    empty = _fake(10, deleted=10)
    assert merge_small(None, None, [*large, empty]) == large


def test_optimize_waits_for_no_one_when_another_writer_holds_the_lock(tmp_path):
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(_articles(5), workers=0)
        with ix.writer():
            with pytest.raises(IndexLockedError):
                ix.optimize()
        assert ix.optimize() == 1 and ix.doc_count() == 5


def test_optimize_an_empty_index(tmp_path):
    with newsearch.create_index(tmp_path / "ix") as ix:
        assert ix.optimize() == 0 and ix.doc_count() == 0


def test_cli_optimize(runner, tmp_path):
    path = tmp_path / "ix"
    result = runner.invoke(app, ["index", str(SAMPLE / "baomoi-100.jsonl.gz"), "--index", str(path), "--workers", "2"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["optimize", "--index", str(path)])
    assert result.exit_code == 0, result.output
    assert "merged into 1" in result.output or "in one segment already" in result.output
    assert "1 segment(s)" in runner.invoke(app, ["check", "--index", str(path)]).output
    result = runner.invoke(app, ["index", str(SAMPLE / "baomoi-100.jsonl.gz"), "--index", str(path), "--optimize"])
    assert result.exit_code == 0 and "optimized" in result.output
    refused = runner.invoke(app, ["optimize", "--backend", "meilisearch", "--meili", "http://127.0.0.1:9"])
    assert refused.exit_code == 2 and "Meilisearch manages its own storage" in refused.output
    missing = runner.invoke(app, ["optimize", "--index", str(tmp_path / "none")])
    assert missing.exit_code != 0 and "Traceback" not in missing.output

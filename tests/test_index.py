import pytest

import newsearch
from newsearch import Article
from newsearch.errors import IndexLockedError, IndexNotFoundError, NewsearchError


def test_writer_commits_on_success_and_cancels_on_error(tmp_path):
    ix = newsearch.create_index(tmp_path / "ix")
    with ix.writer() as writer:
        writer.add(Article(id="a", title="Hà Nội mùa thu"))
    with pytest.raises(RuntimeError):
        with ix.writer() as writer:
            writer.add(Article(id="b", title="Đà Nẵng"))
            raise RuntimeError("host application failed")
    assert ix.doc_count() == 1
    assert ix.get("a").title == "Hà Nội mùa thu"


def test_replace_by_id_and_delete(tmp_path):
    ix = newsearch.create_index(tmp_path / "ix")
    with ix.writer() as writer:
        writer.add(Article(id="a", title="cũ"))
    with ix.writer() as writer:
        writer.add(Article(id="a", title="mới"))
    assert ix.doc_count() == 1 and writer.report.replaced == 1 and ix.get("a").title == "mới"
    with ix.writer() as writer:
        assert writer.delete("a")
        assert writer._open_lookup is None  # noqa: SLF001 - a delete reads no segment's directory
    assert ix.doc_count() == 0


def test_second_writer_gets_a_clear_error(tmp_path):
    ix = newsearch.create_index(tmp_path / "ix")
    first = ix.writer()
    try:
        with pytest.raises(IndexLockedError, match="another process is writing"):
            ix.writer(wait=0.1)
    finally:
        first.cancel()


def test_open_missing_or_foreign(tmp_path):
    with pytest.raises(IndexNotFoundError):
        newsearch.open_index(tmp_path / "missing")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "data.csv").write_text("x")
    with pytest.raises(NewsearchError):
        newsearch.create_index(tmp_path / "foreign", overwrite=True)


def test_corrupt_index_is_reported(tmp_path):
    ix = newsearch.create_index(tmp_path / "ix")
    with ix.writer() as writer:
        writer.add(Article(id="a", title="x"))
    ix.close()
    for toc in (tmp_path / "ix").glob("*.toc"):
        toc.write_bytes(b"garbage")
    with pytest.raises(newsearch.IndexCorruptError):
        newsearch.open_index(tmp_path / "ix")


def test_stats(sample_index):
    stats = sample_index.stats()
    assert stats.articles == 301 and stats.oldest.year == 2020 and stats.newest.year == 2024
    assert dict(stats.sources)["dantri.com.vn"] == 200


def test_searcher_sees_later_commits(tmp_path):
    ix = newsearch.create_index(tmp_path / "ix")
    searcher = ix.searcher()
    assert searcher.search("Đà Nẵng").total == 0
    with ix.writer() as writer:
        writer.add(Article(id="d", title="Đà Nẵng mùa hè"))
    assert searcher.search("Đà Nẵng").total == 1
    searcher.close()


def test_checkpoints_commit_as_they_go_and_keep_duplicate_detection(tmp_path):
    from .test_duplicates import ORIGINAL, SYNDICATED

    articles = [newsearch.Article(id=f"n{i}", body=f"Bản tin số {i} về thời tiết ở Hà Nội hôm nay.") for i in range(5)]
    articles += [newsearch.Article(id="a", body=ORIGINAL), newsearch.Article(id="b", body=SYNDICATED)]
    seen_counts = []
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles, commit_every=3,
                            progress=lambda n: seen_counts.append(newsearch.open_index(tmp_path / "ix").doc_count()))
            report = writer.report
        assert ix.doc_count() == 7 and report.added == 7 and report.replaced == 0
        assert seen_counts[3] == 3 and seen_counts[6] == 6  # committed while the run went on
        results = ix.searcher().search("Sơn La thanh niên")
        assert results.collapsed == 1  # "b" found "a" through the committed index


def test_many_small_commits_are_merged_into_few_segments(tmp_path):
    articles = [newsearch.Article(id=str(n), title=f"Tin số {n}", body=f"Hà Nội ngày {n} mưa to") for n in range(120)]
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles, commit_every=4)  # 30 commits
        segments = len(ix.whoosh()._segments())
        assert segments < 15
        assert ix.doc_count() == 120
        with ix.searcher() as searcher:
            assert searcher.search("mưa to", limit=200).total == 120

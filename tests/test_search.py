"""The acceptance checks of the foundation issue, on the bundled sample corpus."""

from datetime import datetime, timedelta, timezone

import pytest

import newsearch
from newsearch.errors import QueryError

from .conftest import SAMPLE, SEED_TITLE

VN = timezone(timedelta(hours=7))


def _ids(results):
    return [hit.id for hit in results]


@pytest.mark.parametrize("query", ["trí tuệ nhân tạo", "tri tue nhan tao", "TRÍ TUỆ NHÂN TẠO", "Trí tuệ nhân tạo"])
def test_seed_article_in_top3_with_highlight(sample_index, query):
    results = sample_index.searcher().search(query, limit=3)
    titles = [hit.title for hit in results]
    assert SEED_TITLE in titles
    seed = results.hits[titles.index(SEED_TITLE)]
    highlighted = [text for snippet in seed.snippets for text in snippet.highlighted()]
    assert "trí tuệ nhân tạo" in highlighted  # one span covering the whole two-word term


@pytest.mark.parametrize("pair", [("hoà bình", "hòa bình"), ("thuỷ điện", "thủy điện"), ("khoẻ", "khỏe")])
def test_tone_placements_give_identical_rankings(sample_index, pair):
    searcher = sample_index.searcher()
    a, b = (searcher.search(q, limit=20) for q in pair)
    assert [(h.id, h.score) for h in a] == [(h.id, h.score) for h in b]
    assert a.total == b.total


def test_nfd_query_equals_nfc_query(sample_index):
    import unicodedata

    searcher = sample_index.searcher()
    nfc = searcher.search("Hà Nội", limit=10)
    nfd = searcher.search(unicodedata.normalize("NFD", "Hà Nội"), limit=10)
    assert _ids(nfc) == _ids(nfd) and nfc.total > 0


def test_exact_accents_rank_above_folded_matches(sample_index):
    results = sample_index.searcher().search("hoa", limit=5)
    top = results.hits[0]
    assert any("hoa" in text.lower().split() for s in top.snippets for text in s.highlighted())


def test_entity_filter(sample_index):
    results = sample_index.searcher().search('entity:"Trung Quốc"', limit=50)
    assert results.total > 0
    for hit in results:
        assert "trung quốc" in {e.lower() for e in hit.entities}
    folded = sample_index.searcher().search('entity:"trung quoc"', limit=50)
    assert folded.total == results.total


def test_date_range(sample_index):
    since, until = datetime(2021, 4, 1, tzinfo=VN), datetime(2021, 4, 10, 23, 59, tzinfo=VN)
    results = sample_index.searcher().search("", since=since, until=until, limit=100)
    assert results.total > 0
    assert all(since <= hit.published <= until for hit in results)
    in_query = sample_index.searcher().search("date:2021-04-01..2021-04-10", limit=100)
    assert _ids(in_query) == _ids(results)


def test_sort_by_date_puts_undated_last(sample_index):
    results = sample_index.searcher().search("Việt Nam", sort="date", limit=300)
    dates = [hit.published for hit in results]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated, reverse=True)
    assert dates[: len(dated)] == dated


def test_phrase_exclusion_or_and_title(sample_index):
    searcher = sample_index.searcher()
    phrase = searcher.search('"cuộc đua AI"')
    assert _ids(phrase)[0] == next(newsearch.read_articles([SAMPLE / "raw-article-page.txt"])).id
    both = searcher.search("Vinamilk OR MobiFone", limit=50)
    each = searcher.search("Vinamilk", limit=50).total + searcher.search("MobiFone", limit=50).total
    assert both.total == each
    without = searcher.search("Trung Quốc -AI", limit=100)
    assert all("AI" not in (h.title + " ".join(s.text for s in h.snippets)).split() for h in without)
    titled = searcher.search("title:MobiFone")
    assert all("mobifone" in h.title.lower() for h in titled) and titled.total >= 1


def test_a_written_compound_finds_it_written_together_first(tmp_path):
    articles = [
        newsearch.Article(id="apart", title="Lãnh đạo TP Hải Phòng gặp đoàn HCM", body="TP Hải Phòng đón đoàn từ HCM ngày 7, tháng 15."),
        newsearch.Article(id="together", title="Giá vàng tại TP.HCM hôm nay", body="Giá vàng ở TP.HCM ngày 15/7 tăng."),
        newsearch.Article(id="neither", title="Thời tiết Hà Nội", body="Trời mưa."),
    ]
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles)
        searcher = ix.searcher()
        for query in ("TP.HCM", "tp.hcm", "15/7", "vàng TP.HCM"):
            assert _ids(searcher.search(query))[0] == "together", query
        assert "neither" not in _ids(searcher.search("TP.HCM"))


def test_long_natural_query_is_ranked_not_filtered(sample_index):
    results = sample_index.searcher().search("các nhà khoa học phát triển mô hình trí tuệ nhân tạo mới để chẩn đoán bệnh")
    assert results.total > 0 and not results.relaxed


def test_short_query_without_a_full_match_is_relaxed(sample_index):
    results = sample_index.searcher().search("MobiFone zzzkhongco")
    assert results.relaxed and results.total > 0 and results.warnings


def test_pagination_is_consistent(sample_index):
    searcher = sample_index.searcher()
    whole = _ids(searcher.search("Việt Nam", limit=20))
    pages = _ids(searcher.search("Việt Nam", limit=10)) + _ids(searcher.search("Việt Nam", limit=10, offset=10))
    assert whole == pages


def test_results_outlive_the_index(sample_index_dir):
    with newsearch.open_index(sample_index_dir) as ix:
        results = ix.searcher().search("Hà Nội", limit=3)
    assert results.hits[0].snippets and results.total >= 3  # plain dataclasses, nothing lazy


@pytest.mark.parametrize("bad", [{"limit": 0}, {"offset": -1}, {"sort": "popularity"}])
def test_bad_arguments(sample_index, bad):
    with pytest.raises(QueryError):
        sample_index.searcher().search("Hà Nội", **bad)


@pytest.mark.parametrize("query", ["", "   ", "!!!", "***", "((", '"', "OR OR", "-", "😀", "của là và"])
def test_odd_queries_never_crash(sample_index, query):
    results = sample_index.searcher().search(query)
    assert results.total >= 0


def _brute_force_facets(ix, ids):
    from collections import Counter

    counts = {"entity": Counter(), "category": Counter(), "source": Counter(), "month": Counter()}
    for article_id in ids:
        article = ix.get(article_id)
        counts["entity"].update(list(dict.fromkeys(article.entities)))
        counts["category"].update([article.category] if article.category else [])
        counts["source"].update([article.source] if article.source else [])
        counts["month"].update([article.published.strftime("%Y-%m")] if article.published else [])
    return counts


@pytest.mark.parametrize("query", ["bóng đá", "hà nội", "covid"])
def test_facets_equal_a_brute_force_count(sample_index, query):
    searcher = sample_index.searcher()
    results = searcher.search(query, limit=5, facets=["entity", "category", "source", "month"])
    everything = searcher.search(query, limit=1000, collapse=False)
    assert results.total > 0
    expected = _brute_force_facets(sample_index, [h.id for h in everything.hits])
    assert dict(results.facets["category"]) == dict(expected["category"])
    assert dict(results.facets["source"]) == dict(expected["source"])
    assert results.facets["month"] == tuple(sorted(expected["month"].items()))
    top = results.facets["entity"]
    assert len(top) == min(10, len(expected["entity"]))
    assert all(expected["entity"][name] == n for name, n in top)
    assert [n for _, n in top] == sorted((n for n in expected["entity"].values()), reverse=True)[: len(top)]


def test_unknown_facet_is_a_query_error(sample_index):
    with pytest.raises(newsearch.QueryError):
        sample_index.searcher().search("bóng đá", facets=["colour"])


def test_related_articles_share_the_topic(sample_index):
    searcher = sample_index.searcher()
    seed = searcher.search("trí tuệ nhân tạo").hits[0]
    related = searcher.related(seed.id)
    assert 0 < len(related.hits) <= 5
    assert seed.id not in [h.id for h in related.hits]
    with pytest.raises(newsearch.ArticleNotFoundError):
        searcher.related("no-such-id")


def test_one_search_reads_one_snapshot(sample_index, monkeypatch):
    """Its strict, relaxed and "did you mean" passes must not see different commits."""
    from whoosh.index import FileIndex

    checks = []
    original = FileIndex.latest_generation
    monkeypatch.setattr(FileIndex, "latest_generation", lambda self: checks.append(1) or original(self))
    with sample_index.searcher() as searcher:
        results = searcher.search("tri tue quyxyz")  # no article has all: relaxed, then a suggestion
        assert results.relaxed
    assert len(checks) == 1


def test_a_searcher_sees_each_commit_without_listing_the_folder_each_search(tmp_path, monkeypatch):
    from whoosh.index import FileIndex

    listings = []
    original = FileIndex.latest_generation
    monkeypatch.setattr(FileIndex, "latest_generation", lambda self: listings.append(1) or original(self))
    monkeypatch.setattr("newsearch.search.LISTED_EVERY", 3600.0)
    with newsearch.create_index(tmp_path / "ix") as ix, ix.searcher() as searcher:
        for number in range(3):  # each commit seen by the next search
            with ix.writer() as writer:
                writer.add(newsearch.Article(id=f"a{number}", title=f"Hà Nội {number}"))
            assert searcher.search("hà nội").total == number + 1
            assert searcher.search("hà nội").total == number + 1
        assert len(listings) == 3  # once after each commit; none when nothing changed
        with ix.writer() as writer:  # two commits between searches: the first's table of contents is gone too
            writer.add(newsearch.Article(id="b", title="Hà Nội b"))
        with ix.writer() as writer:
            writer.delete("a0")
            writer.delete("a1")
        assert searcher.search("hà nội").total == 2
        monkeypatch.setattr("newsearch.search.LISTED_EVERY", 0.0)
        searcher.search("hà nội")
        assert len(listings) == 3 + 1 + 1  # listed at every search once that long has passed

import itertools

import newsearch
from newsearch.pipeline import analyzed_documents

from .conftest import SAMPLE


def test_worker_processes_give_the_same_documents_in_order():
    articles = list(itertools.islice(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]), 60))
    inline = list(analyzed_documents(articles, workers=0))
    parallel = list(analyzed_documents(iter(articles), workers=2))
    assert [d["id"] for d in parallel] == [a.id for a in articles]
    assert parallel == inline


def test_documents_carry_ready_made_terms_and_the_original_title():
    article = newsearch.Article(id="x", title="Thuỷ điện Hoà Bình", body="Trí tuệ nhân tạo của Trung Quốc")
    document = next(analyzed_documents([article]))
    assert document["title"] == "thủy điện hòa bình" and document["_stored_title"] == "Thuỷ điện Hoà Bình"
    assert document["content_fold"] == "tri tue nhan tao cua trung quoc"
    assert document["content_pair"].split()[:2] == ["tri_tue", "tue_nhan"]
    assert "Trung Quốc" in document["facet_values"].decode()

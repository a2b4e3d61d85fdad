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


def test_word_fields_hold_multi_syllable_words_only():
    article = newsearch.Article(id="x", body="Trí tuệ nhân tạo của Trung Quốc")
    document = next(analyzed_documents([article]))
    assert document["content_word"].split() == ["trí_tuệ", "nhân_tạo", "trung_quốc"]

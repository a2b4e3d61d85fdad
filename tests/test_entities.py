import json

import pytest

import newsearch
from newsearch.analysis import analyze_article
from newsearch.entities import entity_key, extract_entities
from newsearch.segment import segment

from .conftest import DATA, SAMPLE, SEED_PAGE

REQUIRED = ["Trung Quốc", "Hoa Kỳ", "Alibaba", "Qwen", "DeepSeek-R1", "OpenAI", "Hugging Face", "Tiezhen Wang",
            "Huawei", "Baidu", "Nvidia", "Lux Capital", "Grace Isford"]
FORBIDDEN = ["Ảnh", "Theo", "AI", "LLM"]


def _entities(text: str) -> tuple[str, ...]:
    return extract_entities([(text, segment(text))])


@pytest.fixture(scope="module")
def seed_entities():
    article = next(newsearch.read_articles([SEED_PAGE]))
    return analyze_article(article).entities


def test_seed_article_required_entities(seed_entities):
    missing = [name for name in REQUIRED if name not in seed_entities]
    assert not missing


def test_seed_article_has_no_noise(seed_entities):
    assert not [name for name in FORBIDDEN if name in seed_entities]


@pytest.mark.parametrize(
    "sentence, absent",
    [
        ("Theo Reuters, giá dầu tăng.", "Theo Reuters"),
        ("Ông Nguyễn Văn A nói với báo chí.", "Ông Nguyễn Văn A"),
        ("Tổng thống Mỹ Joe Biden phát biểu.", "Tổng thống Mỹ"),
        ("Bão di chuyển theo hướng Tây Tây Bắc.", "Tây Tây Bắc"),
        ("Số ca mắc Covid-19 tăng ở Hà Nội.", "Covid-19"),
        ("Giá 500 USD tại Hà Nội.", "USD"),
    ],
)
def test_noise_is_dropped(sentence, absent):
    assert absent not in _entities(sentence)


def test_titles_are_stripped_but_names_kept():
    found = _entities("Hôm qua, Tổng thống Mỹ Joe Biden gặp ông Nguyễn Xuân Phúc tại Hà Nội.")
    assert {"Joe Biden", "Nguyễn Xuân Phúc", "Hà Nội"} <= set(found)


def test_geographic_heads_are_kept():
    assert "châu Á" in _entities("Doanh nghiệp lớn nhất châu Á mở rộng.")


def _score(gold: dict[str, list[str]], articles: dict[str, newsearch.Article]):
    tp = fp = fn = 0
    for article_id, names in gold.items():
        expected = {entity_key(n) for n in names}
        found = {entity_key(n) for n in analyze_article(articles[article_id]).entities}
        tp += len(expected & found)
        fp += len(found - expected)
        fn += len(expected - found)
    return tp / (tp + fp), tp / (tp + fn)


def test_gold_set_precision_and_recall():
    gold = {k: v for k, v in json.loads((DATA / "entities_gold.json").read_text(encoding="utf-8")).items() if not k.startswith("_")}
    articles = {a.id: a for a in newsearch.read_articles([SAMPLE]) if a.id in gold}
    precision, recall = _score(gold, articles)
    print(f"entities gold: precision {precision:.2f} recall {recall:.2f}")
    assert precision >= 0.8 and recall >= 0.8

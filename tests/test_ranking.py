"""Query building: what each part of a parsed query becomes in the Whoosh query tree."""

import pytest
from whoosh import query as wq

from newsearch.query import parse_query
from newsearch.ranking import build_query


def _nodes(query):
    yield query
    for child in query.children():
        yield from _nodes(child)


@pytest.mark.parametrize("text", ["TP.HCM", "giá vàng 15/7", "Covid-19", "DeepSeek-R1 ra mắt"])
@pytest.mark.parametrize("strict", [True, False])
def test_written_compounds_are_pair_lookups_not_phrase_queries(text, strict):
    query = build_query(parse_query(text), strict=strict)
    assert not any(isinstance(n, wq.Phrase) for n in _nodes(query))
    assert any(isinstance(n, wq.Term) and n.fieldname == "content_pair" for n in _nodes(query))


def test_a_quoted_phrase_stays_a_phrase():
    query = build_query(parse_query('"trí tuệ nhân tạo"'), strict=True)
    assert any(isinstance(n, wq.Phrase) for n in _nodes(query))

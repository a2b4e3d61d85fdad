from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsearch.errors import QueryError
from newsearch.query import QueryTerm, parse_query

VN = timezone(timedelta(hours=7))


def test_words_phrases_exclusions_or():
    q = parse_query('giá vàng "trí tuệ nhân tạo" -USD OR Hà Nội')
    assert q.groups == (
        (QueryTerm("giá"), QueryTerm("vàng"), QueryTerm("trí tuệ nhân tạo", phrase=True)),
        (QueryTerm("Hà"), QueryTerm("Nội")),
    )
    assert q.excluded == (QueryTerm("USD"),)


def test_fields_and_filters():
    q = parse_query('title:Vinamilk entity:"Trung Quốc" category:tech source:dantri.com.vn')
    assert q.groups == ((QueryTerm("Vinamilk", field="title"),),)
    assert q.entities == ("Trung Quốc",) and q.categories == ("tech",) and q.sources == ("dantri.com.vn",)


def test_date_filters():
    q = parse_query("bóng đá since:2021-04-01 until:2021-04-10")
    assert q.since == datetime(2021, 4, 1, tzinfo=VN)
    assert q.until == datetime(2021, 4, 10, 23, 59, 59, 999999, tzinfo=VN)
    month = parse_query("date:2021-04")
    assert month.since == datetime(2021, 4, 1, tzinfo=VN) and month.until.day == 30


def test_reversed_or_impossible_dates_are_errors():
    with pytest.raises(QueryError, match="reversed"):
        parse_query("since:2021-05-01 until:2021-04-01")
    with pytest.raises(QueryError, match="not a valid date"):
        parse_query("until:2021-02-31")


def test_broken_syntax_becomes_text_with_a_warning():
    q = parse_query('"unclosed phrase')
    assert q.groups == ((QueryTerm("unclosed phrase", phrase=True),),) and q.warnings
    q = parse_query("foo:bar")
    assert q.groups == ((QueryTerm("foo bar"),),) and "unknown field" in q.warnings[0]


def test_curly_quotes_and_not():
    q = parse_query("“hòa bình” NOT chiến")
    assert q.groups == ((QueryTerm("hòa bình", phrase=True),),) and q.excluded == (QueryTerm("chiến"),)


def test_huge_query_is_cut():
    q = parse_query("a " * 5000)
    assert q.warnings and sum(len(g) for g in q.groups) <= 1000


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_never_fails_except_on_dates(text):
    try:
        parse_query(text)
    except QueryError:
        pass

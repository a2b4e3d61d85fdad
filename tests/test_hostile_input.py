"""Hostile input for ingestion (issue #6): random bytes, wrong types, huge and nested records,
control characters, impossible dates. Every good record is read, every bad one is reported with
its file and line, nothing raises."""

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from newsearch.ingest import parse_datetime, read_articles

from .conftest import write

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
FIELDS = st.sampled_from(["id", "title", "body", "summary", "date", "url", "category", "entities", "lead"])


def _read(path):
    problems = []
    return list(read_articles([path], on_problem=problems.append)), problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_crash(tmp_path, data):
    articles, problems = _read(write(tmp_path / "random.jsonl", data))
    assert all(p.line is None or p.line >= 1 for p in problems)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.dictionaries(FIELDS, JSON_VALUES, max_size=6), min_size=1, max_size=8))
def test_wrong_types_are_read_or_reported_line_by_line(tmp_path, records):
    good = {"id": "good", "title": "Tin tốt", "body": "Một bài báo bình thường."}
    lines = [json.dumps(r) for r in records] + [json.dumps(good)]
    articles, problems = _read(write(tmp_path / "mixed.jsonl", "\n".join(lines) + "\n"))
    assert "good" in [a.id for a in articles]
    assert len(articles) + len(problems) == len(lines)
    assert all(1 <= p.line <= len(lines) for p in problems)


def test_deeply_nested_huge_and_control_characters(tmp_path):
    nested = "[" * 5000 + "]" * 5000
    lines = [
        '{"id": "deep", "title": ' + nested + "}",
        json.dumps({"id": "big", "title": "Lớn", "body": "Hà Nội. " * 2_500_000}),  # a 20 MB body
        json.dumps({"id": "ctl", "title": "Tiêu\x00đề\x1b[31m", "body": "Nội\x07dung\u200b"}),
        json.dumps({"id": "num", "title": 12345, "body": ["một", "hai"]}),
    ]
    articles, problems = _read(write(tmp_path / "hostile.jsonl", "\n".join(lines) + "\n"))
    ids = [a.id for a in articles]
    assert "big" in ids and "ctl" in ids and "num" in ids
    control = next(a for a in articles if a.id == "ctl")
    assert "\x00" not in control.title and "\x1b" not in control.title
    assert all(p.line in (1,) for p in problems) or "deep" in ids


def test_a_million_empty_lines(tmp_path):
    path = tmp_path / "empty-lines.jsonl"
    path.write_text("\n" * 1_000_000 + '{"id": "last", "title": "Cuối"}\n', encoding="utf-8")
    articles, problems = _read(path)
    assert [a.id for a in articles] == ["last"] and not problems


def test_impossible_and_odd_dates_do_not_crash():
    for text in ["31/02/2024", "2024-13-01", "00/00/0000", "99:99 1/1/2024", "Thứ Hai, 30/02/2024", "", "tomorrow",
                 "1/1/99999", "-1", "2024-02-30T25:61:00+07:00"]:
        assert parse_datetime(text) is None
    assert parse_datetime("Thứ Sáu, 29/11/2024 - 08:15").day == 29

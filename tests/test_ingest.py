import gzip
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

import newsearch
from newsearch.errors import IngestError
from newsearch.ingest import article_from_record, derive_id, parse_datetime, parse_raw_page, read_articles
from newsearch.ingest.records import RecordError
from newsearch.ingest.sources import count_records

from .conftest import SEED_PAGE, SEED_TITLE, write

VN = timezone(timedelta(hours=7))


def _read(paths, stdin=None):
    problems = []
    articles = list(read_articles(paths, on_problem=problems.append, stdin=stdin))
    return articles, problems


# ------------------------------------------------------------------ raw page


@pytest.fixture(scope="module")
def seed():
    return parse_raw_page(SEED_PAGE.read_text(encoding="utf-8"))


def test_raw_page_header(seed):
    assert seed.title == SEED_TITLE
    assert seed.author == "Hậu Nguyễn"
    assert parse_datetime(seed.published_text) == datetime(2024, 12, 17, 12, 11, tzinfo=VN)


def test_raw_page_lead_caption_credit(seed):
    assert seed.lead.startswith("Trung Quốc đang nỗ lực xây dựng")
    assert seed.caption.endswith("Ảnh: Getty.") and seed.credit == "Getty"
    assert seed.source_credit == "tạp chí Điện tử và Ứng dụng"
    assert seed.body.startswith("Trong bối cảnh AI trở thành")
    assert seed.body.endswith("trong cuộc đua AI toàn cầu?")


def test_raw_page_drops_boilerplate(seed):
    kept = seed.title + seed.lead + seed.body + seed.caption
    for words in ("Tin cùng chuyên mục", "Phenikaa", "Ngô Bảo Châu", "Video xem nhiều", "Tin đọc nhiều", "Theo tạp chí"):
        assert words not in kept
    assert SEED_TITLE not in seed.lead + seed.body  # the repeated title (image alt text)


def test_raw_page_article_id_is_stable():
    first = next(read_articles([SEED_PAGE]))
    again = next(read_articles([SEED_PAGE]))
    assert first.id == again.id and first.published == datetime(2024, 12, 17, 12, 11, tzinfo=VN)


# ------------------------------------------------------------------ records


def test_record_fields_and_synonyms():
    article = article_from_record(
        {"headline": "Giá vàng tăng", "content": "Thân bài.", "link": "https://vnexpress.net/gia-vang-tang-1.html",
         "published_at": "2024-12-17T12:11:00+07:00", "section": "Kinh doanh", "byline": "An Bình"}
    )
    assert (article.title, article.body, article.category, article.author) == ("Giá vàng tăng", "Thân bài.", "Kinh doanh", "An Bình")
    assert article.source == "vnexpress.net"
    assert article.id == derive_id("https://vnexpress.net/gia-vang-tang-1.html", "", "")


def test_unparseable_url_is_kept_but_not_parsed():
    article = article_from_record({"title": "Giá vàng tăng", "body": "Thân bài.", "url": "http://[broken/gia-vang"})
    assert article.url == "http://[broken/gia-vang" and article.source == "" and article.title == "Giá vàng tăng"


def test_record_needs_title_or_body():
    with pytest.raises(RecordError):
        article_from_record({"url": "https://x.vn/a"})
    with pytest.raises(RecordError):
        article_from_record(["not", "an", "object"])
    with pytest.raises(RecordError):
        article_from_record({"title": {"nested": "object"}})


def test_record_accepts_numbers_and_lists():
    article = article_from_record({"title": 2024, "body": ["đoạn một", "đoạn hai"]})
    assert article.title == "2024" and article.body == "đoạn một\nđoạn hai"


def test_missing_id_derived_from_content_is_stable():
    a = article_from_record({"title": "Tựa", "body": "Thân"})
    b = article_from_record({"title": "Tựa", "body": "Thân"})
    assert a.id == b.id and a.id.startswith("sha-")


def test_dantri_lead_posing_as_title_becomes_the_lead():
    lead = " ".join(["Đây là một đoạn mở đầu rất dài"] * 8)
    article = article_from_record({"title": lead, "body": "Thân bài.", "url": "https://dantri.com.vn/x/tieu-de-that-20201001.htm"})
    assert article.title == "" and article.lead == lead
    assert article.headline.startswith("Đây là")


def test_dantri_credit_prefix_dropped_from_the_lead_too():
    article = article_from_record({"title": "Hà Nội mở thêm tuyến buýt", "summary": "(Dân trí) - Từ tháng 10, ba tuyến buýt mới.",
                                   "body": "Dân trí Sở Giao thông cho biết."})
    assert article.lead == "Từ tháng 10, ba tuyến buýt mới." and article.body == "Sở Giao thông cho biết."


def test_dantri_true_headline_kept():
    article = article_from_record(
        {"title": "Vinamilk lọt Top 1.000 thương hiệu hàng đầu châu Á", "body": "x",
         "url": "https://dantri.com.vn/kinh-doanh/vinamilk-lot-top-1000-thuong-hieu-hang-dau-chau-a-20201001163534963.htm"}
    )
    assert article.title.startswith("Vinamilk")


def test_body_credit_and_byline_recognised():
    article = article_from_record({"title": "T", "body": "Đoạn một.\nĐoạn hai.\nĐức Hoàng\nTheo RTE"})
    assert article.body == "Đoạn một.\nĐoạn hai." and article.author == "Đức Hoàng" and article.credit == "RTE"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2021-04-05", datetime(2021, 4, 5, tzinfo=VN)),
        ("17/12/2024 12:11", datetime(2024, 12, 17, 12, 11, tzinfo=VN)),
        ("12:11 17/12/2024", datetime(2024, 12, 17, 12, 11, tzinfo=VN)),
        ("Thứ ba, 17/12/2024, 12:11 (GMT+7)", datetime(2024, 12, 17, 12, 11, tzinfo=VN)),
        ("2024-12-17T05:11:00Z", datetime(2024, 12, 17, 12, 11, tzinfo=VN)),
        ("31/02/2024", None),
        ("2021-04-05T10:00:00+25:00", datetime(2021, 4, 5, 10, 0, tzinfo=VN)),  # impossible zone: local time
        ("05/04/2021 10:00 (GMT+99)", datetime(2021, 4, 5, 10, 0, tzinfo=VN)),
        ("không phải ngày", None),
        (None, None),
    ],
)
def test_dates(text, expected):
    assert parse_datetime(text) == expected


# ------------------------------------------------------------------ files


def test_jsonl_with_a_broken_line_indexes_the_rest(tmp_path):
    path = write(tmp_path / "a.jsonl", '{"id": "1", "title": "Một"}\n{broken\n\n{"id": "3", "title": "Ba"}\n')
    articles, problems = _read([path])
    assert [a.id for a in articles] == ["1", "3"]
    assert len(problems) == 1 and problems[0].line == 2 and "broken JSON" in problems[0].reason
    assert str(problems[0]).startswith(f"{path}:2:")


def test_gzip_and_json_array_and_directory(tmp_path):
    (tmp_path / "d").mkdir()
    with gzip.open(tmp_path / "d" / "a.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "g", "title": "Nén"}) + "\n")
    write(tmp_path / "d" / "sub" / "b.json", json.dumps([{"id": "j1", "body": "x"}, {"id": "j2", "body": "y"}]))
    write(tmp_path / "d" / "notes.md", "# not an input")
    articles, problems = _read([tmp_path / "d"])
    assert sorted(a.id for a in articles) == ["g", "j1", "j2"] and not problems
    assert count_records([str(tmp_path / "d")]) is None  # a JSON array cannot be counted cheaply


def test_stdin_is_sniffed():
    stdin = io.BytesIO(b'{"id": "s", "title": "T\xe1\xbb\xab stdin"}\n')
    articles, _ = _read(["-"], stdin=stdin)
    assert articles[0].title == "Từ stdin"


def test_a_record_failing_in_an_unforeseen_way_is_skipped_alone(tmp_path, monkeypatch):
    from newsearch.ingest import sources

    real = sources.article_from_record

    def fragile(record):
        if record.get("id") == "2":
            raise ValueError("something no rule foresaw")
        return real(record)

    monkeypatch.setattr(sources, "article_from_record", fragile)
    path = write(tmp_path / "a.jsonl", "".join(f'{{"id": "{i}", "title": "Bài {i}"}}\n' for i in (1, 2, 3)))
    articles, problems = _read([path])
    assert [a.id for a in articles] == ["1", "3"]
    assert [(p.line, p.reason) for p in problems] == [(2, "unreadable record (ValueError: something no rule foresaw)")]


def test_utf16_with_bom(tmp_path):
    path = write(tmp_path / "u.jsonl", '{"id": "u", "title": "Hà Nội"}\n'.encode("utf-16"))
    articles, problems = _read([path])
    assert articles[0].title == "Hà Nội" and not problems


def test_non_utf8_file_is_reported(tmp_path):
    path = write(tmp_path / "legacy.jsonl", '{"id": "x", "title": "Hà Nam"}\n'.encode("cp1258"))
    articles, problems = _read([path])
    assert not articles and any("UTF-8" in p.reason for p in problems)


def test_empty_file_and_truncated_gzip(tmp_path):
    empty = write(tmp_path / "empty.jsonl", "")
    data = gzip.compress(b'{"id": "1", "title": "a"}\n' * 2000)
    truncated = write(tmp_path / "t.jsonl.gz", data[: len(data) // 2])
    articles, problems = _read([empty, truncated])
    reasons = " ".join(p.reason for p in problems)
    assert "empty file" in reasons and "gzip" in reasons


# ------------------------------------------------------------------ CSV / TSV


def test_csv_rows_with_synonyms_quoted_newlines_and_semicolons(tmp_path):
    path = write(tmp_path / "export.csv",
                 'id;tieu_de;noi_dung;ngay\n'
                 '1;Hà Nội mưa lớn;"Trời mưa cả ngày;\nnhiều phố ngập.";05/04/2021\n'
                 '2;;;\n'
                 '3;Giá vàng tăng;"Vàng SJC tăng ""mạnh"".";06/04/2021 09:15\n')
    articles, problems = _read([path])
    assert [a.id for a in articles] == ["1", "3"]
    assert articles[0].body == "Trời mưa cả ngày;\nnhiều phố ngập."
    assert articles[0].published == datetime(2021, 4, 5, tzinfo=VN)
    assert articles[1].body == 'Vàng SJC tăng "mạnh".'
    assert [(p.line, p.reason) for p in problems] == [(4, "record has neither a title nor a body")]


def test_tsv_in_utf16_as_excel_writes_it(tmp_path):
    path = write(tmp_path / "excel.tsv", "Title\tContent\tURL\nThuỷ điện Hoà Bình\tXả lũ.\thttps://a.vn/x\n".encode("utf-16"))
    articles, problems = _read([path])
    assert not problems
    assert (articles[0].title, articles[0].body, articles[0].source) == ("Thuỷ điện Hoà Bình", "Xả lũ.", "a.vn")


def test_csv_long_fields_and_a_broken_row(tmp_path):
    long_body = "Nội dung rất dài. " * 20_000  # beyond the csv module's default field limit
    path = write(tmp_path / "big.csv", f'title,body\nBài dài,"{long_body}"\nHỏng,"a"b\nBài sau,Thân bài.\n')
    articles, problems = _read([path])
    assert [a.title for a in articles] == ["Bài dài", "Bài sau"] and len(articles[0].body) > 300_000
    assert len(problems) == 1 and problems[0].line == 3 and "broken CSV" in problems[0].reason


def test_csv_quote_never_closed_is_named_not_swallowed(tmp_path):
    path = write(tmp_path / "q.csv", 'title,body\nMột,Thân một.\nHai,"không đóng\nBa,Thân ba.\nBốn,Thân bốn.\n')
    articles, problems = _read([path])
    assert [a.title for a in articles] == ["Một"]
    assert [(p.line, p.reason) for p in problems] == [
        (3, "broken CSV (a quote opened here is never closed); fix the quoting of this row")]


def test_csv_without_a_text_column_is_one_clear_problem(tmp_path):
    path = write(tmp_path / "numbers.csv", "a,b\n1,2\n3,4\n")
    articles, problems = _read([path])
    assert not articles and len(problems) == 1
    assert problems[0].line == 1 and "no title, summary or body column" in problems[0].reason and "a, b" in problems[0].reason


def test_csv_with_only_a_header(tmp_path):
    articles, problems = _read([write(tmp_path / "h.csv", "title,body\n")])
    assert not articles and [p.reason for p in problems] == ["no rows after the header"]


def test_csv_on_stdin_is_sniffed_from_its_header():
    articles, problems = _read(["-"], stdin=io.BytesIO("id,title,body\n7,Hà Nội,Thân bài.\n".encode()))
    assert [(a.id, a.title) for a in articles] == [("7", "Hà Nội")] and not problems
    articles, _ = _read(["-"], stdin=io.BytesIO("Text, images and video\nMột trang văn bản.\n".encode()))
    assert articles[0].title == "Text, images and video"  # a text page whose first line has commas


def test_directory_reads_html_and_csv_too(tmp_path):
    write(tmp_path / "a.csv", "title,body\nMột,Thân một.\n")
    write(tmp_path / "b.html", "<html><body><article><h1>Hai</h1><p>Thân hai.</p></article></body></html>")
    write(tmp_path / "notes.md", "# not an article")
    articles, problems = _read([tmp_path])
    assert sorted(a.title for a in articles) == ["Hai", "Một"] and not problems


def test_missing_path_raises_before_reading(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        list(read_articles([tmp_path / "nope.jsonl"]))


def test_library_exports_reader():
    assert newsearch.read_articles is read_articles

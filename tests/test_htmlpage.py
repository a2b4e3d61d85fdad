"""HTML article pages: metadata from meta tags and JSON-LD, the article's paragraphs without the site."""

import unicodedata
from datetime import datetime, timedelta, timezone

import pytest

from newsearch.ingest import article_from_record, parse_datetime, read_articles
from newsearch.ingest.htmlpage import declared_charset, looks_like_html, record_from_html

from .conftest import DATA, write

VN = timezone(timedelta(hours=7))
PAGE = DATA / "vnexpress-style-page.html"


@pytest.fixture(scope="module")
def record():
    return record_from_html(PAGE.read_text(encoding="utf-8"))


def test_metadata_from_meta_tags_and_json_ld(record):
    assert record["title"] == "Giá vàng tăng mạnh phiên đầu tuần"  # og:title, not the logo's <h1>
    assert record["url"] == "https://vnexpress.net/gia-vang-tang-manh-phien-dau-tuan-4258231.html"
    assert record["date"] == "2021-04-05T08:30:00+07:00"
    assert record["author"] == "Minh Sơn"
    assert record["category"] == "Kinh doanh"  # JSON-LD articleSection
    assert record["summary"] == "Giá vàng miếng SJC sáng nay tăng 500.000 đồng mỗi lượng."


def test_body_is_the_article_without_the_site(record):
    body = record["body"]
    assert body.startswith("Lúc 9h, Công ty Vàng bạc Đá quý Sài Gòn")
    assert "Theo các chuyên gia, vàng còn có thể tăng" in body
    assert "1.740 USD một ounce. Xem thêm về diễn biến." in body  # an inline link is text
    assert "Lúc 9h" in body.split("\n")[0] and body.split("\n")[1] == "Giá bán ra 55,6 triệu."  # <br>
    for boilerplate in ("Trang chủ", "Chia sẻ", "Facebook", "Thích", "lập đỉnh", "ồ ạt", "Giá vàng giảm sâu", "Tin liên quan", "Quảng cáo",
                        "bản quyền", "not text", "VnExpress"):
        assert boilerplate not in body, boilerplate
    assert "sáng nay tăng 500.000" not in body  # the lead is not repeated in the body


def test_read_articles_makes_one_clean_article(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.read_bytes())
    [article] = list(read_articles([path]))
    assert article.id.startswith("url-") and article.source == "vnexpress.net"
    assert article.published == datetime(2021, 4, 5, 8, 30, tzinfo=VN)
    assert article.caption == "Vàng miếng SJC. Ảnh: Quỳnh Trần."  # captions recognised as in text pages
    assert "Ảnh:" not in article.body


def test_page_without_metadata_or_article_element():
    html = """<html><head><title>Hà Nội mưa lớn, nhiều tuyến phố ngập sâu | Báo Mới</title></head><body>
    <div id="menu"><a href="/">Thời sự</a> <a href="/the-gioi">Thế giới</a></div>
    <div class="wrap"><div class="left">
      <h1>Hà Nội mưa lớn, nhiều tuyến phố ngập sâu</h1>
      <div class="content"><p>Chiều 5/4, mưa lớn kéo dài khiến nhiều tuyến phố của Hà Nội ngập sâu.</p>
      <p>Lực lượng chức năng đã có mặt để phân luồng giao thông tại các điểm ngập.</p>
      <footer><p>Giấy phép số 123/GP-BTTTT cấp cho trang tin điện tử tổng hợp.</p></footer></div>
    </div><div class="right"><ul>
      <li><a href="/1">Giá xăng giảm mạnh từ chiều nay theo điều chỉnh của liên bộ</a></li>
      <li><a href="/2">Đội tuyển Việt Nam thắng đậm trong trận giao hữu cuối tuần</a></li>
    </ul></div></div></body></html>"""
    record = record_from_html(html)
    assert record["title"] == "Hà Nội mưa lớn, nhiều tuyến phố ngập sâu"  # the site's name cut off
    assert record["body"].split("\n") == [
        "Chiều 5/4, mưa lớn kéo dài khiến nhiều tuyến phố của Hà Nội ngập sâu.",
        "Lực lượng chức năng đã có mặt để phân luồng giao thông tại các điểm ngập.",
    ]
    assert record["url"] == record["date"] == ""


@pytest.mark.parametrize(
    "title, site, url, expected",
    [
        ("Giá vàng tăng - VnExpress", "", "https://vnexpress.net/gia-vang-tang-1.html", "Giá vàng tăng"),  # the host
        ("Giá xăng giảm | Tuổi Trẻ Online", "Tuổi Trẻ Online", "", "Giá xăng giảm"),  # og:site_name
        ("Hà Nội mưa lớn - Báo Mới", "", "", "Hà Nội mưa lớn"),  # "Báo …"
        ("Hà Nội mưa lớn – dantri.com.vn", "", "", "Hà Nội mưa lớn"),  # a domain
        ("Nhiều dự án nghìn tỷ 'xông đất' Bà Rịa - Vũng Tàu", "Báo Mới", "https://baomoi.com/x.epi", None),
        ("Jack Ma cảnh báo có thể có chiến tranh Mỹ - Trung", "", "https://baomoi.com/x.epi", None),
        ("Lễ hội Côn Sơn - Kiếp Bạc khai mạc", "", "", None),
    ],
)
def test_site_name_cut_from_titles_but_not_place_pairs(title, site, url, expected):
    meta = f'<meta property="og:site_name" content="{site}">' if site else ""
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    html = f"<html><head><title>{title}</title>{meta}{canonical}</head><body><p>Nội dung bài.</p></body></html>"
    assert record_from_html(html)["title"] == (expected or title)


def test_the_article_element_wins_over_longer_text_beside_it():
    other = "<p>" + "Bình luận của bạn đọc về chính sách thuế mới được gửi về tòa soạn trong tuần qua. " * 5 + "</p>"
    html = f"""<html><body><div class="wrap"><article><h1>Thuế mới</h1>
    <p>Quốc hội thông qua luật thuế mới sáng nay.</p><p>Luật có hiệu lực từ năm sau.</p></article>
    <div class="more">{other}{other}</div></div></body></html>"""
    assert record_from_html(html)["body"] == "Quốc hội thông qua luật thuế mới sáng nay.\nLuật có hiệu lực từ năm sau."


def test_layout_column_named_sidebar_lead_and_date_from_classes():
    """vnexpress-like: no meta tags, the whole main column inside <div class="sidebar-1">, the lead and
    the date outside <article>, ads and related links inside it."""
    html = """<html><body><div class="section-wrap"><div class="sidebar-1">
      <ul class="breadcrumb"><li><a href="/thoi-su">Thời sự</a></li></ul>
      <span class="date">Thứ năm, 17/9/2026, 07:31 (GMT+7)</span>
      <h1 class="title-detail">Hà Nội mở thêm ba tuyến buýt điện</h1>
      <p class="description">Từ tháng 10, ba tuyến buýt điện mới nối trung tâm với các khu đô thị phía tây.</p>
      <article class="fck_detail">
        <div class="banner-ads"><p>Quảng cáo không mong muốn ở đây</p></div>
        <p class="Normal">Sở Giao thông Vận tải Hà Nội cho biết các tuyến mới dùng 45 xe buýt điện.</p>
        <figure><img src="x.jpg"><figcaption>Xe buýt điện tại bến Mỹ Đình. Ảnh: Giang Huy</figcaption></figure>
        <p class="Normal">Giá vé giữ nguyên 7.000 đồng một lượt như các tuyến hiện có.</p>
        <div class="box-tinlienquan"><a href="/y">Buýt điện chạy thử trên phố cổ trong tuần này</a></div>
        <p class="Normal"><strong>Võ Hải</strong></p>
      </article>
    </div><div class="sidebar-2"><p>Đọc nhiều</p><ul><li><a href="/z">Giá xăng giảm mạnh chiều nay</a></li></ul></div>
    </div></body></html>"""
    record = record_from_html(html)
    assert record["title"] == "Hà Nội mở thêm ba tuyến buýt điện"
    assert record["summary"] == "Từ tháng 10, ba tuyến buýt điện mới nối trung tâm với các khu đô thị phía tây."
    assert parse_datetime(record["date"]) == datetime(2026, 9, 17, 7, 31, tzinfo=VN)
    assert record["body"].split("\n") == [
        "Sở Giao thông Vận tải Hà Nội cho biết các tuyến mới dùng 45 xe buýt điện.",
        "Xe buýt điện tại bến Mỹ Đình. Ảnh: Giang Huy",
        "Giá vé giữ nguyên 7.000 đồng một lượt như các tuyến hiện có.",
        "Võ Hải",
    ]
    article = article_from_record(record)
    assert article.author == "Võ Hải" and article.caption.startswith("Xe buýt điện")


def test_json_ld_graph_author_object_and_article_body_fallback():
    html = """<!doctype html><html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Dân trí"},
     {"@type": ["NewsArticle"], "headline": "Khai mạc Hội chợ hoa xuân", "datePublished": "2022-01-20T07:00:00+07:00",
      "author": [{"@type": "Person", "name": "Ngọc Tân"}], "articleBody": "Sáng 20/1, hội chợ hoa xuân khai mạc."}]}
    </script><script type="application/ld+json">{broken</script></head><body><div id="app"></div></body></html>"""
    record = record_from_html(html)
    assert record["title"] == "Khai mạc Hội chợ hoa xuân"
    assert record["author"] == "Ngọc Tân" and record["date"] == "2022-01-20T07:00:00+07:00"
    assert record["body"] == "Sáng 20/1, hội chợ hoa xuân khai mạc."
    assert article_from_record(record).title == "Khai mạc Hội chợ hoa xuân"


def test_description_cut_short_is_not_repeated_and_odd_json_ld_is_ignored():
    html = """<html><head><meta name="description" content="Sáng 5/4, Quốc hội bầu Chủ tịch nước với tỷ lệ...">
    <script type="application/ld+json">{"@type": [{"odd": 1}, "NewsArticle"], "headline": ["not", "text"]}</script>
    <script type="application/ld+json">{"@type": {"odd": 1}}</script></head>
    <body><article><h1>Quốc hội bầu Chủ tịch nước</h1>
    <p>Sáng 5/4, Quốc hội bầu Chủ tịch nước với tỷ lệ tán thành rất cao.</p><p>Tân Chủ tịch nước tuyên thệ.</p>
    </article></body></html>"""
    record = record_from_html(html)
    assert record["summary"] == "Sáng 5/4, Quốc hội bầu Chủ tịch nước với tỷ lệ tán thành rất cao."
    assert record["body"] == "Tân Chủ tịch nước tuyên thệ."
    assert record["title"] == "not, text"  # JSON-LD's headline, however odd, rather than a crash


def test_malformed_marked_section_does_not_lose_the_page():
    html = '<html><body><article><h1>Bão số 3</h1><p>Bão số 3 đổ bộ vào Quảng Ninh.</p><![1, "x"]></article></body></html>'
    record = record_from_html(html)
    assert record["title"] == "Bão số 3" and record["body"].startswith("Bão số 3 đổ bộ vào Quảng Ninh.")


def test_page_with_no_text_is_a_clear_problem(tmp_path):
    write(tmp_path / "empty.html", "<html><head></head><body><nav><a href='/'>Trang chủ</a></nav></body></html>")
    problems = []
    assert list(read_articles([tmp_path / "empty.html"], on_problem=problems.append)) == []
    assert [p.reason for p in problems] == ["no article text found in the HTML page"]


def test_listing_pages_are_not_articles(tmp_path):
    listing = """<html><head><meta property="og:type" content="website"><title>Thời sự - Báo Mới</title></head>
    <body><div class="list"><p>Tin mới nhất về thời sự trong nước hôm nay, cập nhật liên tục.</p>
    <ul><li><a href="/a">Hà Nội mưa lớn</a></li></ul></div></body></html>"""
    path = write(tmp_path / "thoi-su" / "index.html", listing)
    problems = []
    assert list(read_articles([path], on_problem=problems.append)) == []
    assert problems[0].reason.startswith("not an article page (og:type 'website'")
    with_ld = listing.replace("</head>", '<script type="application/ld+json">{"@type": "NewsArticle"}</script></head>')
    assert record_from_html(with_ld)["title"] == "Thời sự"  # a schema.org article overrides og:type


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _windows_1258(text: str) -> bytes:
    """Vietnamese in windows-1258: base letters precomposed, tone marks as combining characters."""
    out = b""
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return out


def test_declared_charset_is_used_when_not_utf8(tmp_path):
    text = "Giá vàng tăng mạnh ở Hà Nội và Thành phố Hồ Chí Minh, người dân đổ xô đi mua."
    page = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">' \
           b"<title>" + _windows_1258("Giá vàng tăng mạnh") + b"</title></head><body><p>" + _windows_1258(text) + b"</p></body></html>"
    assert declared_charset(page) == "windows-1258"
    (tmp_path / "old.htm").write_bytes(page)
    [article] = list(read_articles([tmp_path / "old.htm"]))
    assert article.title == "Giá vàng tăng mạnh" and article.body == text  # composed to NFC on the way in


def test_undecodable_page_is_reported(tmp_path):
    (tmp_path / "bad.html").write_bytes(b"<html><p>caf\xe9 \x81</p></html>")  # Latin-1, no charset declared
    problems = []
    assert list(read_articles([tmp_path / "bad.html"], on_problem=problems.append)) == []
    assert "iconv -t UTF-8" in problems[0].reason


def test_sniffing_markup():
    assert looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>")
    assert looks_like_html(b"<html lang='vi'>")
    assert not looks_like_html(b"Trung Quoc vuon len <b>")
    assert not looks_like_html(b'{"title": "<html>"}')


def test_html_file_without_extension_is_sniffed(tmp_path):
    (tmp_path / "saved-page").write_bytes(PAGE.read_bytes())
    [article] = list(read_articles([tmp_path / "saved-page"]))
    assert article.title == "Giá vàng tăng mạnh phiên đầu tuần"


def test_a_page_failing_in_an_unforeseen_way_is_skipped_alone(tmp_path, monkeypatch):
    from newsearch.ingest import sources

    real = sources.record_from_html

    def fragile(html):
        if "Hỏng" in html:
            raise TypeError("something no rule foresaw")
        return real(html)

    monkeypatch.setattr(sources, "record_from_html", fragile)
    write(tmp_path / "a.html", "<html><body><article><h1>Hỏng</h1><p>Trang lỗi.</p></article></body></html>")
    write(tmp_path / "b.html", "<html><body><article><h1>Tốt</h1><p>Trang tốt.</p></article></body></html>")
    problems = []
    assert [a.title for a in read_articles([tmp_path], on_problem=problems.append)] == ["Tốt"]
    assert problems[0].reason == "unreadable page (TypeError: something no rule foresaw)"


def test_library_reads_a_page_held_in_memory():
    import newsearch
    from newsearch.errors import IngestError

    html = "<html><body><article><h1>Bão số 3</h1><p>Bão số 3 đổ bộ vào Quảng Ninh chiều nay.</p></article></body></html>"
    article = newsearch.article_from_html(html, url="https://vnexpress.net/bao-so-3-4770001.html")
    assert article.title == "Bão số 3" and article.source == "vnexpress.net"
    assert article.id == newsearch.article_from_html(html, url="https://vnexpress.net/bao-so-3-4770001.html").id
    with pytest.raises(IngestError, match="not an article page"):
        newsearch.article_from_html('<html><head><meta property="og:type" content="website"></head></html>')

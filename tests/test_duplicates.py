"""Near-duplicate detection on hand-made pairs and non-pairs, and collapsing in search results."""

import pytest

import newsearch
from newsearch.duplicates import band_keys, signature, similarity, SIMILARITY


ORIGINAL = (
    "Ngày 7/2, đại tá Chu Huy Dân, Trưởng phòng cảnh sát hình sự Công an tỉnh Sơn La, cho biết cơ quan chức năng "
    "tỉnh này đang điều tra làm rõ nguyên nhân cái chết của một thanh niên được phát hiện dưới chân đồi. Theo thông "
    "tin ban đầu, khoảng 8h sáng cùng ngày, người dân đi làm nương phát hiện thi thể một nam thanh niên nằm dưới chân "
    "đồi thuộc bản Mòng, xã Hua La, thành phố Sơn La nên đã báo cơ quan công an. Nhận tin báo, lực lượng chức năng "
    "đã có mặt, phong tỏa hiện trường, khám nghiệm tử thi để điều tra nguyên nhân vụ việc. Nạn nhân được xác định là "
    "anh Lò Văn T., 24 tuổi, trú tại bản Mòng. Vụ việc đang được cơ quan công an tiếp tục điều tra làm rõ."
)
SYNDICATED = (  # another paper's copy: a different opening, a word or two changed, the last sentence cut
    "(Báo Tây Bắc) Ngày 7/2, Đại tá Chu Huy Dân, Trưởng phòng cảnh sát hình sự Công an tỉnh Sơn La cho biết, cơ quan "
    "chức năng tỉnh này đang điều tra làm rõ nguyên nhân cái chết của một thanh niên được phát hiện dưới chân đồi. Theo "
    "thông tin ban đầu, khoảng 8 giờ sáng cùng ngày, người dân đi làm nương phát hiện thi thể một nam thanh niên nằm "
    "dưới chân đồi thuộc bản Mòng, xã Hua La, thành phố Sơn La nên đã báo cơ quan công an. Nhận tin báo, lực lượng "
    "chức năng đã có mặt, phong tỏa hiện trường, khám nghiệm tử thi để điều tra nguyên nhân vụ việc. Nạn nhân được xác "
    "định là anh Lò Văn T., 24 tuổi, trú tại bản Mòng."
)
SAME_TOPIC = (  # the same event written up independently: not a duplicate
    "Công an tỉnh Sơn La đang điều tra vụ một nam thanh niên tử vong bất thường. Sáng 7/2, khi lên nương, nhiều người "
    "dân bản Mòng hốt hoảng phát hiện một thi thể dưới chân đồi và trình báo chính quyền. Lực lượng công an thành phố "
    "Sơn La đã nhanh chóng có mặt để khám nghiệm. Theo người thân, nạn nhân là Lò Văn T. (24 tuổi), rời nhà từ tối hôm "
    "trước và không trở về. Đại tá Chu Huy Dân cho biết nguyên nhân cái chết đang được làm rõ."
)
TEMPLATE_A = (  # lottery results: same template, different facts
    "Trong kỳ quay thưởng tối 24/5, Vietlott cho biết có thêm 1 người trúng xổ số Vietlott trị giá hơn 112 tỷ đồng. "
    "Dãy số trúng thưởng gồm 05, 12, 19, 27, 33, 41. Người trúng giải mua vé tại một đại lý ở TP.HCM. Đây là giải "
    "Jackpot lớn nhất từ trước đến nay kể từ khi Vietlott đi vào hoạt động tại Việt Nam."
)
TEMPLATE_B = (
    "Trong kỳ quay thưởng tối 14/6, Vietlott cho biết có thêm 1 người trúng xổ số Vietlott trị giá hơn 82 tỷ đồng. "
    "Dãy số trúng thưởng gồm 02, 08, 21, 30, 36, 44. Người trúng giải mua vé tại một đại lý ở Hà Nội. Giải thưởng "
    "được trao vào tuần sau tại trụ sở công ty ở Hà Nội, theo đề nghị của người trúng giải."
)


def test_syndicated_copy_is_a_duplicate():
    assert similarity(signature(ORIGINAL), signature(SYNDICATED)) >= SIMILARITY
    assert set(band_keys(signature(ORIGINAL))) & set(band_keys(signature(SYNDICATED)))


def test_accents_and_case_do_not_matter():
    from newsearch.normalize import fold_diacritics

    assert similarity(signature(ORIGINAL), signature(fold_diacritics(ORIGINAL).upper())) == 1.0


@pytest.mark.parametrize("other", [SAME_TOPIC, TEMPLATE_B])
def test_same_topic_or_template_is_not_a_duplicate(other):
    base = ORIGINAL if other is SAME_TOPIC else TEMPLATE_A
    assert similarity(signature(base), signature(other)) < SIMILARITY


def test_short_texts_are_never_compared():
    assert signature("Ảnh minh họa") is None


def test_signatures_are_deterministic_across_processes():
    import subprocess
    import sys

    code = "from newsearch.duplicates import signature; import sys; sys.stdout.write(signature(sys.argv[1]).hex())"
    other = subprocess.run([sys.executable, "-c", code, ORIGINAL], capture_output=True, text=True, check=True).stdout
    assert other == signature(ORIGINAL).hex()


@pytest.fixture()
def dup_index(tmp_path):
    articles = [
        newsearch.Article(id="a", title="Thanh niên tử vong dưới chân đồi ở Sơn La", body=ORIGINAL),
        newsearch.Article(id="b", title="Điều tra cái chết của nam thanh niên ở Sơn La", body=SYNDICATED),
        newsearch.Article(id="c", title="Nam thanh niên tử vong bất thường", body=SAME_TOPIC),
    ]
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles[:1])
        with ix.writer() as writer:  # the copy arrives in a later run: found through the index
            writer.add_many(articles[1:])
        yield ix


def test_results_collapse_near_duplicates(dup_index):
    results = dup_index.searcher().search("thanh niên Sơn La")
    ids = [h.id for h in results.hits]
    assert sorted(ids) in (["a", "c"], ["b", "c"])
    shown = next(h for h in results.hits if h.id in "ab")
    assert shown.similar == ("b",) if shown.id == "a" else ("a",)
    assert results.total == 2 and results.collapsed == 1


def test_no_collapse_shows_every_article(dup_index):
    results = dup_index.searcher().search("thanh niên Sơn La", collapse=False)
    assert sorted(h.id for h in results.hits) == ["a", "b", "c"]
    assert results.total == 3 and results.collapsed == 0
    assert all(h.similar == () for h in results.hits)


def test_reindexing_keeps_clusters(dup_index):
    with dup_index.writer() as writer:
        writer.add_many([newsearch.Article(id="b", title="Điều tra cái chết của nam thanh niên ở Sơn La", body=SYNDICATED)])
    assert dup_index.searcher().search("thanh niên Sơn La").collapsed == 1


def test_sample_corpus_has_no_false_clusters(sample_index):
    """Distinct sample articles must not collapse into each other."""
    results = sample_index.searcher().search("Việt Nam", limit=100)
    assert results.collapsed == 0

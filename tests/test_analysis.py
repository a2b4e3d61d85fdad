"""Index-time analysis: syllable pairs, the terms of each field kind."""

from hypothesis import given, strategies as st

from newsearch.analysis import folded_text, pair_text, syllable_pairs, syllable_text, term_analyzer


def test_pairs_are_accent_free_and_stop_at_punctuation_and_lines():
    assert syllable_pairs("Trí tuệ nhân tạo, Hà Nội.\nCovid-19 đã đến") == [
        "tri_tue", "tue_nhan", "nhan_tao", "ha_noi", "covid_19", "19_da", "da_den",
    ]


def test_a_written_compound_is_a_pair_but_a_sentence_break_is_not():
    assert syllable_pairs("TP.HCM ngày 15/7, lúc 8:30. Sau đó") == [
        "tp_hcm", "hcm_ngay", "ngay_15", "15_7", "luc_8", "8_30", "sau_do",
    ]


def test_pairs_ignore_tone_placement():
    """Analysis receives clean (NFC) text; tone placement is folded away with the accents."""
    assert syllable_pairs("hoà bình thuỷ điện") == syllable_pairs("hòa bình thủy điện") == ["hoa_binh", "binh_thuy", "thuy_dien"]


def test_field_texts_and_the_analyzer_that_splits_them():
    assert pair_text("Đà Nẵng hôm nay") == "da_nang nang_hom hom_nay"
    assert syllable_text("Hoà Bình, 2024") == "hòa bình 2024"
    assert folded_text("Đà Nẵng") == "da nang"
    assert [t.text for t in term_analyzer()(syllable_text("Thuỷ điện Hoà Bình"))] == ["thủy", "điện", "hòa", "bình"]


@given(st.text(max_size=60))
def test_pairs_never_outnumber_syllable_gaps(text):
    syllables = folded_text(text).split()
    pairs = syllable_pairs(text)
    assert len(pairs) <= max(0, len(syllables) - 1)
    assert all(p.count("_") >= 1 for p in pairs)

"""Index-time analysis: syllable pairs, the terms of each field kind."""

from hypothesis import given, strategies as st

from newsearch.analysis import folded_analyzer, pair_analyzer, syllable_analyzer, syllable_pairs


def test_pairs_are_accent_free_and_stop_at_punctuation_and_lines():
    assert syllable_pairs("Trí tuệ nhân tạo, Hà Nội.\nCovid-19 đã đến") == [
        "tri_tue", "tue_nhan", "nhan_tao", "ha_noi", "covid_19", "19_da", "da_den",
    ]


def test_pairs_ignore_tone_placement():
    """Analysis receives clean (NFC) text; tone placement is folded away with the accents."""
    assert syllable_pairs("hoà bình thuỷ điện") == syllable_pairs("hòa bình thủy điện") == ["hoa_binh", "binh_thuy", "thuy_dien"]


def test_pair_analyzer_yields_the_pairs():
    assert [t.text for t in pair_analyzer()("Đà Nẵng hôm nay")] == ["da_nang", "nang_hom", "hom_nay"]


def test_syllable_and_folded_analyzers():
    assert [t.text for t in syllable_analyzer()("Hoà Bình")] == ["hòa", "bình"]
    assert [t.text for t in folded_analyzer()("Đà Nẵng")] == ["da", "nang"]


@given(st.text(max_size=60))
def test_pairs_never_outnumber_syllable_gaps(text):
    syllables = [t.text for t in folded_analyzer()(text)]
    pairs = syllable_pairs(text)
    assert len(pairs) <= max(0, len(syllables) - 1)
    assert all(p.count("_") >= 1 for p in pairs)

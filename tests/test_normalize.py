import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from newsearch.normalize import (
    clean_text,
    first_sentence,
    fold_diacritics,
    has_diacritics,
    index_form,
    to_new_tones,
    to_old_tones,
)

VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
vietnamese_text = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " .,\n", max_size=80)


def test_clean_text_pipeline_example():
    raw = "Hoà bình &amp; THUỶ ĐIỆN, H\u200boa Kỳ, nh\u00adư\u00a0 Ðà"
    assert clean_text(raw) == "Hoà bình & THUỶ ĐIỆN, Hoa Kỳ, như Đà"


def test_clean_text_composes_nfd_and_keeps_paragraphs():
    nfd = unicodedata.normalize("NFD", "Hà Nội\r\n\r\n\r\nĐà Nẵng")
    assert clean_text(nfd) == "Hà Nội\n\nĐà Nẵng"


def test_tone_placement_both_ways():
    assert to_new_tones("hoà bình thuỷ điện khoẻ mạnh Thanh Hoá HOÀ uỷ ban") == "hòa bình thủy điện khỏe mạnh Thanh Hóa HÒA ủy ban"
    assert to_old_tones("hòa bình thủy điện khỏe mạnh") == "hoà bình thuỷ điện khoẻ mạnh"


def test_tone_placement_leaves_closed_syllables_and_qu_alone():
    for word in ("hoàn", "quý", "quả", "khuya", "hoạt", "toán"):
        assert to_new_tones(word) == word
        assert to_old_tones(word) == word


def test_fold_handles_d_with_stroke():
    assert fold_diacritics("Đà Nẵng đổi mới") == "Da Nang doi moi"
    assert unicodedata.decomposition("đ") == ""  # why the explicit rule exists


def test_index_form_is_lower_and_new_style():
    assert index_form("Hoà") == index_form("HÒA") == index_form("hòa") == "hòa"


def test_first_sentence_cuts_long_text():
    assert first_sentence("Câu một. Câu hai.") == "Câu một."
    long = " ".join(["chữ"] * 100)
    assert first_sentence(long).endswith("…") and len(first_sentence(long)) <= 141


@given(vietnamese_text)
def test_clean_text_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once


@given(vietnamese_text)
def test_tone_moves_preserve_length_and_fold(text):
    text = unicodedata.normalize("NFC", text)
    for moved in (to_new_tones(text), to_old_tones(text)):
        assert len(moved) == len(text)
        assert fold_diacritics(moved) == fold_diacritics(text)


@given(vietnamese_text)
def test_new_style_round_trip(text):
    new = to_new_tones(unicodedata.normalize("NFC", text))
    assert to_new_tones(to_old_tones(new)) == new


@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1, max_size=30))
def test_fold_gives_ascii_for_vietnamese_letters(text):
    folded = fold_diacritics(text)
    assert folded.isascii()
    assert not has_diacritics(folded)


def _folded_whole(text):
    """Folding as first written: the whole text decomposed, its marks dropped, recomposed."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


@given(st.one_of(vietnamese_text, st.text()))
def test_folding_character_by_character_is_folding_the_whole_text(text):
    for form in ("NFC", "NFD"):
        written = unicodedata.normalize(form, text)
        assert fold_diacritics(written) == _folded_whole(written)

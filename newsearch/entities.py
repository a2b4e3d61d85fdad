"""Named entities (people, places, organisations, products) from pyvi words and capitalisation.

Method (measured in vietnamese-text.md §3 as the best cost/quality trade-off): chains of adjacent
capitalised pyvi words; a sentence-initial word is kept only if pyvi's POS tagger calls it a proper
noun; honorifics, titles and function words are stripped from the edges; known noise (acronyms of
concepts, units, compass directions, diseases, caption and credit words) is dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

from . import _pyvi
from .normalize import has_diacritics, index_form
from .segment import Word, merge_touching

__all__ = ["extract_entities", "entity_key"]

_SENTENCE_BREAKS = frozenset({".", "!", "?", "…", "...", ":", ";", "\"", "“", "”", "-", "–", "—", "•", "|"})
# Lower-case particles inside foreign names: "Von der Leyen", "Leonardo da Vinci".
_NAME_PARTICLES = frozenset({"der", "von", "van", "de", "da", "di", "du", "del", "dos", "la", "le", "bin", "al", "el", "ter", "den"})
# Organisation heads whose names may contain "và": "Bộ Giáo dục và Đào tạo".
_ORG_HEADS = frozenset({"bộ", "sở", "ban", "viện", "học viện", "trường", "tạp chí", "trung tâm", "cục", "tổng cục",
                        "ủy ban", "hội", "hiệp hội", "liên đoàn", "khoa", "vụ", "đại học", "báo", "đài", "quỹ"})
_CREDIT_WORDS = frozenset({"ảnh", "nguồn", "video", "clip"})
_ROMAN = re.compile(r"^[IVXLC]+$")
_EDGE_WORDS = frozenset(
    index_form(w.replace("_", " "))
    for w in """
    ông bà anh chị em cô chú bác cụ ngài cháu bé thầy mẹ bố cha con vợ chồng
    tổng_thống thủ_tướng phó_thủ_tướng chủ_tịch phó_chủ_tịch bộ_trưởng thứ_trưởng giám_đốc
    tổng_giám_đốc phó_giám_đốc tổng_bí_thư bí_thư đặc_phái_viên đại_sứ tướng trung_tướng thiếu_tướng
    ngoại_trưởng bộ_trưởng_ngoại_giao phó phó_trưởng trưởng tân nguyên cựu ủy_viên đại_biểu
    hội_nghị quyết_định nghị_quyết nghị_định thông_tư chỉ_thị công_văn tờ_trình kết_luận
    đại_tướng thượng_tướng đại_tá thượng_tá trung_tá thiếu_tá đại_úy thượng_úy trung_úy
    ca_sĩ nhạc_sĩ diễn_viên người_mẫu hoa_hậu á_hậu cầu_thủ huấn_luyện_viên hlv tiền_đạo
    tiền_vệ hậu_vệ thủ_môn danh_thủ võ_sĩ vận_động_viên nhà_báo phóng_viên pv bác_sĩ bs
    gs pgs ts ths ks luật_sư kỹ_sư giáo_sư tiến_sĩ thạc_sĩ nghệ_sĩ nsnd nsưt youtuber
    vua hoàng_tử công_chúa nữ_hoàng thượng_nghị_sĩ nghị_sĩ dân_biểu thống_đốc thị_trưởng
    người_phát_ngôn phát_ngôn_viên trưởng_phòng chánh_văn_phòng ceo chủ_nhiệm đội_trưởng
    theo tại trên từ trong ở với của và cùng liệu khi nhưng nếu sau trước các những một mọi
    đến về cho tới vì do bởi nhờ như là thì mà còn đã sẽ đang được bị hay hoặc giữa ngoài dưới
    năm tháng ngày hôm sáng chiều tối đêm thứ chủ_nhật nay
    người nhà phía miền vùng dân đoàn đội hãng tập_đoàn
    """.split()
)
_NOISE = frozenset(
    index_form(w.replace("_", " "))
    for w in """
    ai llm hiv aids usd vnd đồng eur cđv tp pv ubnd hđnd gdp cpi ceo cfo cto fdi bot pr
    mc dj vip sms gps atm ic cd dvd tv clip video ảnh theo nguồn infographic covid covid-19
    sars sars-cov-2 ebola zika h5n1 mers cúm ncov tết thứ chủ_nhật
    đông tây nam bắc đông_bắc đông_nam tây_bắc tây_nam vĩ kinh giữa km kg cm mm ha
    tin bài clip vòng hiệp bảng xem đọc internet website online gb mb kb tb mw kw kwh
    fanpage facebook_live livestream smartphone
    """.split()
)
_COMPASS = frozenset({"đông", "tây", "nam", "bắc", "vĩ", "kinh", "giữa", "độ"})
_PROPER_TAGS = frozenset({"Np", "Ny"})
# Lower-case heads that belong to the name they precede: "châu Á", "vịnh Thái Lan", "sông Hồng".
_GEO_HEADS = frozenset({"châu", "vịnh", "sông", "núi", "đảo", "hồ", "đèo", "bán đảo", "quần đảo", "biển"})


@lru_cache(maxsize=32_768)  # bounded: names keep coming; each entry ≈ 250 bytes in every worker
def entity_key(name: str) -> str:
    """The key entities are indexed and compared by: lower case, modern tone placement."""
    return " ".join(index_form(name).split())


def _is_capitalised(word: Word) -> bool:
    return _capitalised_text(word.text)


@lru_cache(maxsize=32_768)
def _capitalised_text(text: str) -> bool:
    """Starts with a capital ("Hà"), or is a letter word with a capital inside ("iPhone")."""
    if not text or not text[0].isalnum():
        return False
    rest = text[1:]
    if not (text[0].isupper() or (text[0].isalpha() and rest.lower() != rest)):
        return False
    return entity_key(text.rstrip(".")) not in _NOISE  # a noise acronym splits "LLM Trung Quốc"


def _continues(words: Sequence[Word], i: int, j: int, source: str) -> bool:
    """Whether word ``j`` extends the chain ``words[i:j]``."""
    if words[j - 1].text.endswith(".") or source[words[j - 1].end : words[j].start] != " ":
        return False
    if _is_capitalised(words[j]):
        return True
    # "Ủy ban châu Âu", "Von der Leyen": a lower-case head or particle between two name words
    inner = (
        words[j].text in _GEO_HEADS
        or (words[j].text in _NAME_PARTICLES and not has_diacritics(words[j - 1].text))
        or (words[j].text == "và" and index_form(words[i].text) in _ORG_HEADS and j - i >= 2)
    )
    return inner and j + 1 < len(words) and _is_capitalised(words[j + 1]) and source[words[j].end : words[j + 1].start] == " "


def _chains(words: Sequence[Word], source: str) -> list[tuple[int, int]]:
    """Index ranges [i, j) of adjacent capitalised words (only spaces between them)."""
    ranges: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if not _is_capitalised(words[i]) or _after_credit_word(words, i):
            i += 1
            continue
        j = i + 1
        while j < len(words) and _continues(words, i, j, source):
            j += 1
        ranges.append((i, j))
        i = j
    return ranges


def _after_credit_word(words: Sequence[Word], i: int) -> bool:
    """A name right after "Ảnh:" or "Nguồn:" is a credit, not an entity of the article."""
    return i >= 2 and words[i - 1].text == ":" and words[i - 2].text.lower() in _CREDIT_WORDS


def _sentence_starts(words: Sequence[Word], source: str) -> set[int]:
    starts: set[int] = {0} if words else set()
    for k in range(1, len(words)):
        prev = words[k - 1]
        if prev.text in _SENTENCE_BREAKS or prev.text.endswith(".") or "\n" in source[prev.end : words[k].start]:
            starts.add(k)
    return starts


def _pos_is_proper(words: Sequence[Word], k: int) -> bool:
    """Tag the first few words of the sentence starting at ``k`` and check word ``k``."""
    window = [w.text.replace(" ", "_") for w in words[k : k + 6]]
    return _pyvi.pos_tagger.tag(_pyvi.pos_features(window))[0] in _PROPER_TAGS


def _trim(words: Sequence[Word], i: int, j: int, starts: set[int]) -> tuple[int, int]:
    if i in starts and (index_form(words[i].text) in _EDGE_WORDS or not _pos_is_proper(words, i)):
        i += 1
    while i < j and index_form(words[i].text) in _EDGE_WORDS:
        i += 1
    while j > i and index_form(words[j - 1].text) in _EDGE_WORDS:
        j -= 1
    return i, j


def _is_noise(name: str) -> bool:
    key = entity_key(name)
    if key in _NOISE or not any(ch.isalpha() for ch in name) or _ROMAN.match(name):
        return True
    syllables = key.split()
    if all(s in _COMPASS for s in syllables):
        return True
    if syllables[0] in _COMPASS and len(syllables) >= 2 and syllables[1] in _COMPASS:
        return True
    letters = [s for s in name.split() if any(ch.isalpha() for ch in s)]
    return len(letters) >= 2 and all(s.isupper() for s in letters)  # EMPHASIS IN CAPS, not a name


def _split_apposition(words: Sequence[Word], i: int, j: int) -> list[tuple[int, int]]:
    """After a title, "Mỹ Joe Biden" is a place then a person: split where Vietnamese spelling
    gives way to a foreign name."""
    for k in range(i + 1, j):
        if has_diacritics(words[k - 1].text) and not has_diacritics(words[k].text):
            return [(i, k), (k, j)]
    return [(i, j)]


def _with_geo_head(words: Sequence[Word], i: int, source: str) -> int:
    """Index of the first word of the name, taking in a lower-case geographic head before it."""
    if i > 0 and words[i - 1].text in _GEO_HEADS and source[words[i - 1].end : words[i].start] == " ":
        return i - 1
    return i


def _split_mixed(words: Sequence[Word]) -> list[Word]:
    """Split "Quốc thiết lập" after "Trung" into "Quốc" + "thiết lập": pyvi sometimes glues a
    name's last syllable to the verb after it, which would drag the verb into the name."""
    out: list[Word] = []
    for k, word in enumerate(words):
        sylls = word.text.split(" ")
        if k == 0 or len(sylls) < 2 or not _is_capitalised(words[k - 1]) or not _is_capitalised(word):
            out.append(word)
            continue
        n = next((m for m, syl in enumerate(sylls) if not syl[:1].isupper()), len(sylls))
        if n in (0, len(sylls)) or len(sylls) - n < 2:  # "Tuyên giáo" is normal; "Quốc thiết lập" is not
            out.append(word)
            continue
        cut = word.start + len(" ".join(sylls[:n]))
        out.append(Word(word.text[: cut - word.start], word.start, cut))
        out.append(Word(word.text[cut - word.start + 1 :], cut + 1, word.end))
    return out


def _entities_of(words: list[Word], source: str) -> Iterable[tuple[str, bool]]:
    """(name, mentioned only at a sentence start) for each chain that survives the filters."""
    words = _split_mixed(merge_touching([w for w in words if w.text], source))
    starts = _sentence_starts(words, source)
    for chain_start, chain_end in _chains(words, source):
        i, j = _trim(words, chain_start, chain_end, starts)
        pieces = _split_apposition(words, i, j) if i > chain_start else [(i, j)]
        for a, b in pieces:
            if a >= b:
                continue
            first = _with_geo_head(words, a, source)
            name = source[words[first].start : words[b - 1].end].rstrip(".")
            if name and not _is_noise(name):
                yield name, (a in starts and b - a == 1)


def extract_entities(segmented: Iterable[tuple[str, list[Word]]]) -> tuple[str, ...]:
    """Distinct entity names, in order of first mention, from (text, pyvi words of text) pairs.

    A one-word name seen only at sentence starts ("Vươn", "Sữa") is kept only if it has more than
    one syllable or is part of a longer name ("Wang" of "Tiezhen Wang"): capitalised single
    syllables at a sentence start are ordinary words far more often than names.
    """
    seen: dict[str, str] = {}
    confirmed: set[str] = set()
    for source, words in segmented:
        for name, initial_only in _entities_of(words, source):
            key = entity_key(name)
            seen.setdefault(key, name)
            if not initial_only or " " in key:
                confirmed.add(key)
    parts = {syl for key in confirmed if " " in key for syl in key.split()}
    return tuple(name for key, name in seen.items() if key in confirmed or key in parts)

"""Vietnamese word segmentation with character offsets into the clean text.

pyvi's own ``tokenize`` returns one string with words joined by "_"; that loses offsets and is
ambiguous when the text itself contains "_". This wrapper runs pyvi's syllabification pattern,
its CRF model and its joining rule directly, and returns :class:`Word` spans instead.
"""

from __future__ import annotations

import re
import string
from typing import Iterator, NamedTuple

from . import _pyvi
from .normalize import to_old_tones

__all__ = ["Word", "segment", "syllables", "merge_touching", "SYLLABLE_PATTERN"]


class Word(NamedTuple):
    """A segment of the clean text: ``text == source[start:end]``."""

    text: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        """True for words and numbers, False for punctuation and symbols."""
        return any(ch.isalnum() for ch in self.text)


# pyvi 0.1.1's sylabelize pattern, compiled once (its source builds it on every call).
_PYVI_PATTERN = re.compile(
    "("
    + "|".join(
        [
            r"[A-ZĐ]+\.", r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\.",
            r"==>", r"->", r"\.\.\.", r">>", "\n",
            r"\w+://[^\s]+",
            r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",
            r"\d+([\.,_]\d+)+",
            r"[^\w\s]",
            r"\w+",
        ]
    )
    + ")",
    re.UNICODE,
)

SYLLABLE_PATTERN = re.compile(r"[^\W_]+")
_PUNCTUATION = frozenset(string.punctuation)


def syllables(text: str) -> Iterator[Word]:
    """Runs of letters and digits: the syllables that carry recall."""
    for match in SYLLABLE_PATTERN.finditer(text):
        yield Word(match.group(), match.start(), match.end())


def _joins(prev: str, cur: str, label: str) -> bool:
    """pyvi's rule for gluing syllable ``cur`` to the word before it."""
    return (
        label == "I_W"
        and cur not in _PUNCTUATION
        and prev not in _PUNCTUATION
        and not cur[0].isdigit()
        and not prev[0].isdigit()
        and not (cur[0].istitle() and not prev[0].istitle())
    )


def _segment_paragraph(text: str, offset: int) -> list[Word]:
    tagged_input = to_old_tones(text)  # pyvi's dictionary only knows "hoà", not "hòa"
    spans = [(m.start(), m.end()) for m in _PYVI_PATTERN.finditer(tagged_input)]
    if not spans:
        return []
    sylls = [tagged_input[s:e] for s, e in spans]
    labels = _pyvi.word_tagger.tag(_pyvi.word_features(sylls))
    words: list[Word] = []
    start, end = spans[0]
    for i in range(1, len(spans)):
        if _joins(sylls[i - 1], sylls[i], labels[i]):
            end = spans[i][1]
            continue
        words.append(Word(text[start:end], start + offset, end + offset))
        start, end = spans[i]
    words.append(Word(text[start:end], start + offset, end + offset))
    return words


def segment(text: str) -> list[Word]:
    """Segment clean text into pyvi words, paragraph by paragraph, keeping the original case.

    Offsets refer to ``text``. Each paragraph is one CRF sequence, as pyvi would run it.
    """
    words: list[Word] = []
    offset = 0
    for paragraph in text.split("\n"):
        if paragraph.strip():
            words.extend(_segment_paragraph(paragraph, offset))
        offset += len(paragraph) + 1
    return words


_GLUE = frozenset("-/.:&")


def merge_touching(words: list[Word], source: str) -> list[Word]:
    """Re-join tokens that touch across ``- / . : &``: "DeepSeek-R1", "17/12/2024", "TP.HCM"."""
    merged: list[Word] = []
    i = 0
    while i < len(words):
        cur = words[i]
        while (
            i + 2 < len(words)
            and words[i + 1].text in _GLUE
            and cur.end == words[i + 1].start
            and words[i + 1].end == words[i + 2].start
            and cur.is_word
            and words[i + 2].is_word
        ):
            cur = Word(source[cur.start : words[i + 2].end], cur.start, words[i + 2].end)
            i += 2
        if cur.text.endswith(".") and i + 1 < len(words) and words[i + 1].start == cur.end and words[i + 1].is_word:
            nxt = words[i + 1]  # "TP." + "HCM" → "TP.HCM"
            cur = Word(source[cur.start : nxt.end], cur.start, nxt.end)
            i += 1
        merged.append(cur)
        i += 1
    return merged

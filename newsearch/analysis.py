"""Text analysis: the Whoosh analyzers of each field kind, and the per-article analysis (pyvi words
and entities) that happens once, before a document reaches Whoosh.

Whoosh pickles analyzers into the index, so these classes keep a stable import path and hold no
model state. pyvi runs outside Whoosh: its words are handed over as pre-normalised terms, so the
expensive part can run anywhere (another process, later another machine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from whoosh.analysis import Filter, RegexTokenizer, Token, Tokenizer
from whoosh.analysis.analyzers import CompositeAnalyzer

from .entities import entity_key, extract_entities
from .models import Article
from .normalize import fold_diacritics, index_form
from .segment import SYLLABLE_PATTERN, Word, segment

__all__ = [
    "AnalyzedArticle",
    "analyze_article",
    "syllable_analyzer",
    "folded_analyzer",
    "word_analyzer",
    "pair_analyzer",
    "syllable_pairs",
    "syllable_term",
    "folded_term",
    "word_term",
]


@lru_cache(maxsize=200_000)
def syllable_term(syllable: str) -> str:
    """Index form of one syllable: lower case, modern tone placement."""
    return index_form(syllable)


@lru_cache(maxsize=200_000)
def folded_term(syllable: str) -> str:
    """Accent-free form of one syllable (đ folded to d)."""
    return fold_diacritics(syllable_term(syllable))


def word_term(word: str) -> str:
    """Index form of a pyvi word: its syllables' index forms joined by "_"."""
    return "_".join(syllable_term(s) for s in SYLLABLE_PATTERN.findall(word))


class SyllableFilter(Filter):
    """Lower-case and put tones in the modern place ("Hoà" → "hòa")."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = syllable_term(token.text)
            yield token


class FoldFilter(Filter):
    """Lower-case and strip every diacritic ("Đà Nẵng" → "da nang")."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = folded_term(token.text)
            yield token


_SYLLABLE_REGEX = SYLLABLE_PATTERN.pattern


def syllable_analyzer() -> CompositeAnalyzer:
    return RegexTokenizer(_SYLLABLE_REGEX) | SyllableFilter()


def folded_analyzer() -> CompositeAnalyzer:
    return RegexTokenizer(_SYLLABLE_REGEX) | FoldFilter()


def word_analyzer() -> RegexTokenizer:
    """Word fields receive space-separated, already normalised terms ("trí_tuệ nhân_tạo")."""
    return RegexTokenizer(r"[^ ]+")


# Two syllables form a pair when only spaces (or a hyphen) separate them on one line: a comma, a
# full stop or a line break ends the run.
_PAIR_GAP = re.compile(r"[ \t\u00a0]+|[ ]?-[ ]?")


def syllable_pairs(text: str) -> list[str]:
    """Adjacent syllables as accent-free pairs ("Trí tuệ nhân" → ["tri_tue", "tue_nhan"]).

    Pairs carry what a segmenter gives (most Vietnamese words are two syllables) without its
    inconsistencies between a short query and a sentence, and reward the query's syllables standing
    together in the article's order, at the cost of a plain term lookup (no phrase query)."""
    matches = list(SYLLABLE_PATTERN.finditer(text))
    return [
        f"{folded_term(a.group())}_{folded_term(b.group())}"
        for a, b in zip(matches, matches[1:])
        if _PAIR_GAP.fullmatch(text, a.end(), b.start())
    ]


class PairTokenizer(Tokenizer):
    """Yields :func:`syllable_pairs` of the text, for the ``*_pair`` fields."""

    def __call__(  # type: ignore[override]
        self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
        removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
        mode: str = "", **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for offset, pair in enumerate(syllable_pairs(value) if tokenize else [value]):
            token.text, token.boost, token.stopped = pair, 1.0, False
            if positions:
                token.pos = start_pos + offset
            yield token


def pair_analyzer() -> PairTokenizer:
    return PairTokenizer()


@dataclass(frozen=True, slots=True)
class AnalyzedArticle:
    """An article plus what pyvi found in it: word terms per text field and entities."""

    article: Article
    title_words: str
    lead_words: str
    body_words: str
    entities: tuple[str, ...]

    @property
    def entity_keys(self) -> list[str]:
        return list(dict.fromkeys(entity_key(e) for e in self.entities))


def _words_text(words: list[Word]) -> str:
    """Multi-syllable words only: single syllables are already in the syllable field."""
    terms = (word_term(w.text) for w in words if " " in w.text and w.is_word)
    return " ".join(t for t in terms if "_" in t)


def analyze_article(article: Article) -> AnalyzedArticle:
    """Segment title, lead and body once; derive word terms and entities from the same words."""
    texts = (article.title, article.lead, article.body)
    segmented = [(text, segment(text)) for text in texts]
    found = extract_entities(segmented)
    given = {entity_key(e) for e in article.entities}
    entities = article.entities + tuple(e for e in found if entity_key(e) not in given)
    return AnalyzedArticle(
        article=article,
        title_words=_words_text(segmented[0][1]),
        lead_words=_words_text(segmented[1][1]),
        body_words=_words_text(segmented[2][1]),
        entities=entities,
    )

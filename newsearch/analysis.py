"""Text analysis: the terms of each field kind, and the per-article analysis (pyvi words and
entities), all done before a document reaches Whoosh.

Every field's terms are made here, in the worker processes, and handed to Whoosh as
space-separated text that its analyzer only splits: the expensive parts can run anywhere (another
process, later another machine), and the index stores no custom analyzer class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from whoosh.analysis import RegexTokenizer

from .entities import entity_key, extract_entities
from .models import Article
from .normalize import fold_diacritics, index_form
from .segment import SYLLABLE_PATTERN, segment

__all__ = [
    "AnalyzedArticle",
    "analyze_article",
    "term_analyzer",
    "syllable_text",
    "folded_text",
    "pair_text",
    "syllable_pairs",
    "syllable_term",
    "folded_term",
]


# Bounded: a worker indexing a large archive meets hundreds of thousands of distinct syllables
# (numbers, names, foreign words); the most frequent tens of thousands are nearly every syllable.
@lru_cache(maxsize=65_536)
def syllable_term(syllable: str) -> str:
    """Index form of one syllable: lower case, modern tone placement."""
    return index_form(syllable)


@lru_cache(maxsize=65_536)
def folded_term(syllable: str) -> str:
    """Accent-free form of one syllable (đ folded to d)."""
    return fold_diacritics(syllable_term(syllable))


def syllable_text(text: str) -> str:
    """The syllables of a text in index form, space-separated (what the syllable fields index)."""
    return " ".join(syllable_term(s) for s in SYLLABLE_PATTERN.findall(text))


def folded_text(text: str) -> str:
    """The syllables of a text without accents, space-separated (the ``*_fold`` fields)."""
    return " ".join(folded_term(s) for s in SYLLABLE_PATTERN.findall(text))


# Two syllables form a pair when only spaces (or a hyphen) separate them on one line, or a single
# full stop, slash, comma or colon with no space ("TP.HCM", "15/7", "2,5", "8:30"): one written
# compound. A comma or full stop followed by a space, or a line break, ends the run.
_PAIR_GAP = re.compile(r"[ \t\u00a0]+|[ ]?-[ ]?|[./,:]")


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


def pair_text(text: str) -> str:
    return " ".join(syllable_pairs(text))


def term_analyzer() -> RegexTokenizer:
    """Every text field receives its terms already made (space-separated, by the functions above,
    in the analysis worker processes): the Whoosh writer, the one serial step of indexing, only
    splits them."""
    return RegexTokenizer(r"[^ ]+")


@dataclass(frozen=True, slots=True)
class AnalyzedArticle:
    """An article plus what pyvi found in it: word terms per text field and entities."""

    article: Article
    entities: tuple[str, ...]

    @property
    def entity_keys(self) -> list[str]:
        return list(dict.fromkeys(entity_key(e) for e in self.entities))


def analyze_article(article: Article) -> AnalyzedArticle:
    """Segment title, lead and body with pyvi and find the entities among their words."""
    texts = (article.title, article.lead, article.body)
    segmented = [(text, segment(text)) for text in texts]
    found = extract_entities(segmented)
    given = {entity_key(e) for e in article.entities}
    entities = article.entities + tuple(e for e in found if entity_key(e) not in given)
    return AnalyzedArticle(
        article=article,
        entities=entities,
    )

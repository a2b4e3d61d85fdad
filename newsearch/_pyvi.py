"""Load pyvi's CRF models and dictionary without importing pyvi's classes.

Importing ``pyvi.ViTokenizer`` unpickles its models through sklearn-crfsuite, which imports
scikit-learn (≈0.8 s, ≈120 MB) and writes each model to a temporary file that leaks when the
process is killed. Here the pickles are read with an unpickler that builds no foreign objects:
it only digs out the raw CRFsuite model bytes, which python-crfsuite opens in memory. The
feature functions below reproduce pyvi 0.1.1's exactly (a test compares against pyvi itself).
"""

from __future__ import annotations

import codecs
import importlib.util
import pickle
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import NewsearchError

_lock = threading.Lock()


class _Inert:
    """Stands in for every class named in the pickle; it just keeps its state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("_codecs", "encode"):
            return codecs.encode
        return _Inert


def _pyvi_models_dir() -> Path:
    spec = importlib.util.find_spec("pyvi")
    if spec is None or not spec.submodule_search_locations:
        raise NewsearchError("pyvi is not installed: run `pip install newsearch` again to restore it")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def _open_tagger(pickle_name: str) -> tuple[Any, bytes]:
    """Return the tagger and the model bytes, which must outlive it (crfsuite does not copy them)."""
    import pycrfsuite  # deferred: only indexing and accented queries need it

    with open(_pyvi_models_dir() / pickle_name, "rb") as handle:
        estimator = _ModelUnpickler(handle).load()
    model_bytes = estimator.state["modelfile"].state["__FILE_RESOURCE_DATA__"]
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model_bytes)
    return tagger, model_bytes


@lru_cache(maxsize=1)
def dictionary() -> tuple[frozenset[str], frozenset[str]]:
    """pyvi's bi-gram and tri-gram word lists (lower-case, syllables joined by a space)."""
    bi_grams: set[str] = set()
    tri_grams: set[str] = set()
    text = (_pyvi_models_dir() / "words.txt").read_text(encoding="utf-8")
    for entry in text.split("\n"):
        size = len(entry.split(" "))
        if size == 2:
            bi_grams.add(entry)
        elif size == 3:
            tri_grams.add(entry)
    return frozenset(bi_grams), frozenset(tri_grams)


class _LazyTagger:
    """A CRF tagger opened on first use; python-crfsuite taggers are not thread-safe, so lock."""

    def __init__(self, pickle_name: str) -> None:
        self._pickle_name = pickle_name
        self._tagger: Any = None
        self._model_bytes = b""

    def tag(self, features: list[list[str]]) -> list[str]:
        with _lock:
            if self._tagger is None:
                self._tagger, self._model_bytes = _open_tagger(self._pickle_name)
            return list(self._tagger.tag(features))


word_tagger = _LazyTagger("pyvi3.pkl")
pos_tagger = _LazyTagger("pyvipos3.pkl")


def word_features(sylls: list[str]) -> list[list[str]]:
    """pyvi ViTokenizer.sent2features for one sentence of syllables, as CRFsuite attribute names.

    pyvi gives each syllable a dict of ≈ 15 features; CRFsuite turns a string value into the
    attribute ``name:value`` and a boolean into ``name`` weighted 1 or 0. A 0-weighted attribute
    adds nothing to any score, so only the true ones are listed: the same labels (a test compares
    with pyvi), half the tagging time. A syllable's own and neighbour attributes are made once per
    distinct syllable."""
    if not sylls:
        return []
    bi_grams, tri_grams = dictionary()
    parts = [_word_parts(s) for s in sylls]
    lowered = [part[0] for part in parts]
    pairs = [f"{a} {b}" in bi_grams for a, b in zip(lowered, lowered[1:])]
    triples = [f"{a} {b} {c}" in tri_grams for a, b, c in zip(lowered, lowered[1:], lowered[2:])]
    own = [part[1] for part in parts]
    before = [_NONE, *(part[2] for part in parts[:-1])]
    after = [*(part[3] for part in parts[1:]), _NONE]
    pair_before = [_NONE, *(_BI_BEFORE if held else _NONE for held in pairs)]
    pair_after = [*(_BI_AFTER if held else _NONE for held in pairs), _NONE]
    triple_before = [_NONE, _NONE, *(_TRI_BEFORE if held else _NONE for held in triples)][: len(sylls)]
    triple_after = [*(_TRI_AFTER if held else _NONE for held in triples), _NONE, _NONE][: len(sylls)]
    return [
        [*a, *b, *c, *d, *e, *f, *g]
        for a, b, c, d, e, f, g in zip(own, before, pair_before, triple_before, after, pair_after, triple_after)
    ]


_NONE: list[str] = []
_BI_BEFORE, _TRI_BEFORE = ["-1:word.bi_gram()"], ["-2:word.tri_gram()"]
_BI_AFTER, _TRI_AFTER = ["+1:word.bi_gram()"], ["+2:word.tri_gram()"]


@lru_cache(maxsize=16_384)  # ≈ 750 bytes an entry; 16k syllables cover 99% of the syllables of news
def _word_parts(syllable: str) -> tuple[str, list[str], list[str], list[str]]:
    """(lower case, the syllable's own attributes, its attributes as the previous syllable, as
    the next one); a boolean attribute is listed only when true."""
    lower, upper, title, digit = syllable.lower(), syllable.isupper(), syllable.istitle(), syllable.isdigit()
    own = ["bias", f"word.lower():{lower}"]
    own += ["word.isupper()"] * upper + ["word.istitle()"] * title + ["word.isdigit()"] * digit
    before = [f"-1:word.lower():{lower}"] + ["-1:word.istitle()"] * title + ["-1:word.isupper()"] * upper
    after = [f"+1:word.lower():{lower}"] + ["+1:word.istitle()"] * title + ["+1:word.isupper()"] * upper
    return lower, own, before, after


_FILTERED = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") | {"\u2026", "\u201d", "\u201c", "\u2019", "..."}


def pos_features(words: list[str]) -> list[list[str]]:
    """pyvi ViPosTagger.sent2features as CRFsuite attribute names (true booleans only, as in
    :func:`word_features`); ``words`` are pyvi words with syllables joined by "_"."""
    n = len(words)
    out = []
    for i, word in enumerate(words):
        item = ["bias", f"word.lower():{word.lower()}"]
        _flag(item, "word.istitle()", word.istitle())
        _flag(item, "word.isdigit()", word.isdigit())
        _flag(item, "word[:1].isdigit()", word[:1].isdigit())
        _flag(item, "word[:3].isupper()", word[:3].isupper())
        _flag(item, "word.isfiltered", word in _FILTERED)
        if i > 0:
            w1 = words[i - 1]
            item.append(f"-1:word.lower():{w1.lower()}")
            _flag(item, "-1:word.istitle()", w1.istitle())
            _flag(item, "-1:word[:1].isdigit()", w1[:1].isdigit())
            _flag(item, "-1:word[:3].isupper()", w1[:3].isupper())
            if i > 1:
                w2 = words[i - 2]
                item.append(f"-2:word.lower():{w2.lower()}")
                _flag(item, "-2:word.istitle()", w2.istitle())
                _flag(item, "-2:word.isupper()", w2.isupper())
        else:
            item.append("BOS")
        if i < n - 1:
            w1 = words[i + 1]
            item.append(f"+1:word.lower():{w1.lower()}")
            _flag(item, "+1:word.istitle()", w1.istitle())
            _flag(item, "+1:word[:1].isdigit()", w1[:1].isdigit())
            _flag(item, "+1:word.isupper()", w1.isupper())
            if i < n - 2:
                w2 = words[i + 2]
                item.append(f"+2:word.lower():{w2.lower()}")
                _flag(item, "+2:word.istitle()", w2.istitle())
                _flag(item, "+2:word.isupper()", w2.isupper())
        else:
            item.append("EOS")
        out.append(item)
    return out


def _flag(item: list[str], name: str, value: bool) -> None:
    if value:
        item.append(name)

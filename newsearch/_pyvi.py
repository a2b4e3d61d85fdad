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

    def tag(self, features: list[dict[str, Any]]) -> list[str]:
        with _lock:
            if self._tagger is None:
                self._tagger, self._model_bytes = _open_tagger(self._pickle_name)
            return list(self._tagger.tag(features))


word_tagger = _LazyTagger("pyvi3.pkl")
pos_tagger = _LazyTagger("pyvipos3.pkl")


def word_features(sylls: list[str]) -> list[dict[str, Any]]:
    """pyvi ViTokenizer.sent2features for one sentence of syllables."""
    bi_grams, tri_grams = dictionary()
    shapes = [_shape(s) for s in sylls]  # (lower, isupper, istitle, isdigit) once per syllable
    lowered = [shape[0] for shape in shapes]
    n = len(sylls)
    out = []
    for i, (lower, upper, title, digit) in enumerate(shapes):
        f: dict[str, Any] = {
            "bias": 1.0,
            "word.lower()": lower,
            "word.isupper()": upper,
            "word.istitle()": title,
            "word.isdigit()": digit,
        }
        if i > 0:
            prev = shapes[i - 1]
            f["-1:word.lower()"] = prev[0]
            f["-1:word.istitle()"] = prev[2]
            f["-1:word.isupper()"] = prev[1]
            f["-1:word.bi_gram()"] = f"{prev[0]} {lower}" in bi_grams
            if i > 1:
                f["-2:word.tri_gram()"] = f"{lowered[i - 2]} {prev[0]} {lower}" in tri_grams
        if i < n - 1:
            nxt = shapes[i + 1]
            f["+1:word.lower()"] = nxt[0]
            f["+1:word.istitle()"] = nxt[2]
            f["+1:word.isupper()"] = nxt[1]
            f["+1:word.bi_gram()"] = f"{lower} {nxt[0]}" in bi_grams
            if i < n - 2:
                f["+2:word.tri_gram()"] = f"{lower} {nxt[0]} {lowered[i + 2]}" in tri_grams
        out.append(f)
    return out


@lru_cache(maxsize=200_000)
def _shape(syllable: str) -> tuple[str, bool, bool, bool]:
    return syllable.lower(), syllable.isupper(), syllable.istitle(), syllable.isdigit()


_FILTERED = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") | {"\u2026", "\u201d", "\u201c", "\u2019", "..."}


def pos_features(words: list[str]) -> list[dict[str, Any]]:
    """pyvi ViPosTagger.sent2features; ``words`` are pyvi words with syllables joined by "_"."""
    n = len(words)
    out = []
    for i, word in enumerate(words):
        f: dict[str, Any] = {
            "bias": 1.0,
            "word.lower()": word.lower(),
            "word.istitle()": word.istitle(),
            "word.isdigit()": word.isdigit(),
            "word[:1].isdigit()": word[:1].isdigit(),
            "word[:3].isupper()": word[:3].isupper(),
            "word.isfiltered": word in _FILTERED,
        }
        if i > 0:
            w1 = words[i - 1]
            f.update({
                "-1:word.lower()": w1.lower(),
                "-1:word.istitle()": w1.istitle(),
                "-1:word[:1].isdigit()": w1[:1].isdigit(),
                "-1:word[:3].isupper()": w1[:3].isupper(),
            })
            if i > 1:
                w2 = words[i - 2]
                f.update({
                    "-2:word.lower()": w2.lower(),
                    "-2:word.istitle()": w2.istitle(),
                    "-2:word.isupper()": w2.isupper(),
                })
        else:
            f["BOS"] = True
        if i < n - 1:
            w1 = words[i + 1]
            f.update({
                "+1:word.lower()": w1.lower(),
                "+1:word.istitle()": w1.istitle(),
                "+1:word[:1].isdigit()": w1[:1].isdigit(),
                "+1:word.isupper()": w1.isupper(),
            })
            if i < n - 2:
                w2 = words[i + 2]
                f.update({
                    "+2:word.lower()": w2.lower(),
                    "+2:word.istitle()": w2.istitle(),
                    "+2:word.isupper()": w2.isupper(),
                })
        else:
            f["EOS"] = True
        out.append(f)
    return out

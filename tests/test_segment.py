import gzip
import os
import subprocess
import sys

import orjson
import pytest

from newsearch.normalize import clean_text, to_old_tones
from newsearch.segment import merge_touching, segment, syllables

from .conftest import SAMPLE


def test_offsets_slice_back_to_the_text():
    text = "Trung Quốc vươn lên thách thức Hoa Kỳ.\nCuộc đua trí tuệ nhân tạo, DeepSeek-R1 ngày 17/12/2024."
    for word in segment(text):
        assert text[word.start : word.end] == word.text


def test_compounds_and_case_kept():
    words = [w.text for w in segment("Trung Quốc thách thức Hoa Kỳ")]
    assert words == ["Trung Quốc", "thách thức", "Hoa Kỳ"]


def test_new_style_tones_segment_like_old_style():
    assert [w.text for w in segment("hòa bình")] == ["hòa bình"]
    assert [w.text for w in segment("hoà bình")] == ["hoà bình"]


def test_merge_touching_rejoins_hyphenated_names_and_dates():
    text = "DeepSeek-R1 ngày 17/12/2024 tại TP.HCM"
    merged = [w.text for w in merge_touching(segment(text), text)]
    assert "DeepSeek-R1" in merged and "17/12/2024" in merged and "TP.HCM" in merged


def test_syllables_are_letter_and_digit_runs():
    assert [s.text for s in syllables("trí_tuệ 3,5% AI.")] == ["trí", "tuệ", "3", "5", "AI"]


def _paragraphs(limit: int):
    with gzip.open(SAMPLE / "baomoi-100.jsonl.gz", "rb") as handle:
        for line in list(handle)[:limit]:
            for paragraph in clean_text(orjson.loads(line)["body"]).split("\n"):
                if paragraph.strip():
                    yield paragraph


def test_identical_to_pyvi_tokenize():
    """The wrapper reproduces pyvi's own words (given pyvi the tone placement it knows)."""
    from pyvi import ViTokenizer

    compared = 0
    for paragraph in _paragraphs(40):
        old_style = to_old_tones(paragraph)
        ours = [old_style[w.start : w.end].replace(" ", "") for w in segment(paragraph)]
        theirs = [token.replace("_", "") for token in ViTokenizer.tokenize(old_style).split(" ")]
        assert ours == theirs
        compared += 1
    assert compared > 30


def test_pos_tags_identical_to_pyvi():
    """The POS features (true attributes only) give pyvi's own tags, on windows of six words as
    the entity filter asks."""
    from pyvi import ViPosTagger

    from newsearch import _pyvi

    compared = 0
    for paragraph in _paragraphs(20):
        words = [w.text.replace(" ", "_") for w in segment(paragraph)]
        for k in range(0, len(words), 5):
            window = words[k : k + 6]
            assert _pyvi.pos_tagger.tag(_pyvi.pos_features(window)) == list(ViPosTagger.postagging(" ".join(window))[1])
            compared += 1
    assert compared > 100


def test_loading_pyvi_leaves_no_temp_files_and_no_sklearn(tmp_path):
    code = (
        "import sys, newsearch.segment as s; s.segment('Trung Quốc'); "
        "from newsearch.entities import extract_entities; "
        "print('sklearn' in sys.modules)"
    )
    env = dict(os.environ, TMPDIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "🎉🎉", "&&&"])
def test_degenerate_inputs(text):
    for word in segment(text):
        assert text[word.start : word.end] == word.text

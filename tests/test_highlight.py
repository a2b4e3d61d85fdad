from newsearch.highlight import MatchTerms, find_spans, make_snippets


def _terms(*exact, folded=()):
    return MatchTerms(frozenset(exact), frozenset(folded))


def test_adjacent_matches_merge_into_one_span():
    text = "năng lực trí tuệ nhân tạo của"
    spans = find_spans(text, _terms("trí", "tuệ", "nhân", "tạo"))
    assert [text[s.start : s.end] for s in spans] == ["trí tuệ nhân tạo"]


def test_folded_terms_highlight_accented_text():
    text = "Thủ đô Hà Nội đẹp"
    spans = find_spans(text, _terms("ha", "noi", folded=("ha", "noi")))
    assert [text[s.start : s.end] for s in spans] == ["Hà Nội"]


def test_old_tone_placement_in_text_matches():
    text = "Tỉnh Hoà Bình"
    assert [text[s.start : s.end] for s in find_spans(text, _terms("hòa", "bình"))] == ["Hoà Bình"]


def test_fragment_spans_are_relative_and_exact():
    body = ("Mở đầu dài dòng. " * 40) + "Ở đây có trí tuệ nhân tạo và nhiều nữa. " + ("Kết thúc. " * 40)
    snippets = make_snippets({"title": "", "lead": "", "body": body}, _terms("trí", "tuệ", "nhân", "tạo"))
    snippet = snippets[0]
    assert snippet.field == "body" and len(snippet.text) <= 222
    assert snippet.highlighted() == ["trí tuệ nhân tạo"]
    assert snippet.text.startswith("…") and snippet.text.endswith("…")


def test_no_match_gives_start_of_lead():
    snippets = make_snippets({"title": "T", "lead": "Đoạn mở đầu.", "body": "Thân."}, MatchTerms())
    assert snippets[0].text == "Đoạn mở đầu." and snippets[0].spans == ()

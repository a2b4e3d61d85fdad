"""The CLI as a user drives it: exit codes, stdout vs stderr, JSON shape, one-line errors."""

import shutil

import orjson
import pytest

import newsearch
from newsearch.cli import app

from .conftest import DATA, SAMPLE, SEED_TITLE, write


@pytest.fixture()
def cli_index(sample_index_dir, tmp_path):
    """A private copy of the sample index (tests may write to it)."""
    path = tmp_path / "ix"
    shutil.copytree(sample_index_dir, path)
    return path


def run(runner, *args):
    return runner.invoke(app, [str(a) for a in args])


def test_search_terminal_output(runner, cli_index):
    result = run(runner, "search", "trí tuệ nhân tạo", "--index", cli_index, "-n", "3")
    assert result.exit_code == 0, result.output
    assert SEED_TITLE in result.stdout
    assert "«trí tuệ nhân tạo»" in result.stdout  # plain mode marks matches
    assert "\x1b[" not in result.stdout


def test_search_json_schema(runner, cli_index):
    result = run(runner, "search", 'entity:"Trung Quốc"', "--index", cli_index, "--json", "-n", "50")
    assert result.exit_code == 0
    data = orjson.loads(result.stdout_bytes)
    assert {"query", "total", "took_ms", "hits", "warnings"} <= data.keys()
    assert data["hits"]
    for hit in data["hits"]:
        assert {"id", "title", "url", "published", "score", "entities", "snippets"} <= hit.keys()
        assert "Trung Quốc" in hit["entities"]
        for snippet in hit["snippets"]:
            for start, end in snippet["spans"]:
                assert 0 <= start < end <= len(snippet["text"])
    assert "Quốc".encode() in result.stdout_bytes  # raw UTF-8, not \\u escapes


def test_search_jsonl(runner, cli_index):
    result = run(runner, "search", "Hà Nội", "--index", cli_index, "--jsonl", "-n", "4")
    lines = result.stdout_bytes.splitlines()
    assert len(lines) == 4 and all(orjson.loads(line)["query"] == "Hà Nội" for line in lines)


def test_date_options(runner, cli_index):
    result = run(runner, "search", "", "--index", cli_index, "--json")
    assert result.exit_code == 2  # an empty query is an error
    result = run(runner, "search", "Việt", "--since", "2021-04-01", "--until", "2021-04-10", "--index", cli_index, "--json", "-n", "100")
    data = orjson.loads(result.stdout_bytes)
    assert data["total"] > 0
    assert all("2021-04-01" <= hit["published"][:10] <= "2021-04-10" for hit in data["hits"])


def test_no_hits_exit_1_and_errors_exit_2(runner, cli_index):
    assert run(runner, "search", "zzqqxx", "--index", cli_index).exit_code == 1
    bad = run(runner, "search", "x", "--since", "2021-02-31", "--index", cli_index)
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.output


def test_missing_index_is_one_line(runner, tmp_path):
    result = run(runner, "search", "x", "--index", tmp_path / "none")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no newsearch index at") and "newsearch index" in result.stderr


def test_first_search_builds_index_from_sample_corpus(runner, in_tmp):
    shutil.copytree(SAMPLE, in_tmp / "sample_corpus")
    result = run(runner, "search", "tri tue nhan tao", "-n", "3")
    assert result.exit_code == 0 and SEED_TITLE in result.stdout
    assert (in_tmp / "index" / "newsearch.json").exists()


def test_index_twice_changes_nothing(runner, tmp_path):
    target = tmp_path / "ix"
    first = run(runner, "index", SAMPLE / "baomoi-100.jsonl.gz", "--index", target)
    assert first.exit_code == 0 and "100 added" in first.stderr
    second = run(runner, "index", SAMPLE / "baomoi-100.jsonl.gz", "--index", target)
    assert "0 added, 100 replaced" in second.stderr
    stats = orjson.loads(run(runner, "stats", "--index", target, "--json").stdout_bytes)
    assert stats["articles"] == 100


def test_index_reports_broken_line_and_keeps_the_rest(runner, tmp_path):
    path = write(tmp_path / "a.jsonl", '{"id": "1", "title": "Một"}\n{oops\n{"id": "3", "title": "Ba"}\n')
    result = run(runner, "index", path, "--index", tmp_path / "ix")
    assert result.exit_code == 0
    assert f"{path}:2" in result.stderr and "2 added" in result.stderr


@pytest.mark.parametrize(
    "content, expected",
    [(b"", "empty file"), ('{"title": "Hà Nam"}\n'.encode("cp1258"), "UTF-8")],
)
def test_unreadable_inputs_are_one_clear_error(runner, tmp_path, content, expected):
    path = write(tmp_path / "bad.jsonl", content)
    result = run(runner, "index", path, "--index", tmp_path / "ix")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0]
    assert "Traceback" not in result.output


def test_missing_input_path(runner, tmp_path):
    result = run(runner, "index", tmp_path / "nope.jsonl", "--index", tmp_path / "ix")
    assert result.exit_code == 2 and "no such file" in result.stderr
    assert not (tmp_path / "ix").exists()  # nothing was created for a typo


def test_show_and_stats(runner, cli_index):
    hits = orjson.loads(run(runner, "search", "trí tuệ nhân tạo", "--index", cli_index, "--json", "-n", "3").stdout_bytes)["hits"]
    hit = next(h for h in hits if h["title"] == SEED_TITLE)
    shown = run(runner, "show", hit["id"], "--index", cli_index)
    assert shown.exit_code == 0 and SEED_TITLE in shown.stdout and "Tin cùng chuyên mục" not in shown.stdout
    assert run(runner, "show", "no-such-id", "--index", cli_index).exit_code == 2
    stats = run(runner, "stats", "--index", cli_index)
    assert stats.exit_code == 0 and "301" in stats.stdout


def test_schema_version_mismatch(runner, cli_index):
    (cli_index / "newsearch.json").write_text('{"schema_version": 999}')
    result = run(runner, "search", "x", "--index", cli_index)
    assert result.exit_code == 2 and "schema version 999" in result.stderr and "--rebuild" in result.stderr


def test_not_an_index_directory(runner, tmp_path):
    write(tmp_path / "dir" / "file.txt", "hello")
    result = run(runner, "search", "x", "--index", tmp_path / "dir")
    assert result.exit_code == 2 and "no newsearch index" in result.stderr


def test_odd_queries_exit_cleanly(runner, cli_index):
    for query in ['"unbalanced', "(((", "OR OR", "*", "😀", "a" * 10_000, "foo:bar", "-"]:
        result = run(runner, "search", query, "--index", cli_index)
        assert result.exit_code in (0, 1, 2), query
        assert result.exception is None or isinstance(result.exception, SystemExit), query


def test_progress_bar_on_a_terminal(tmp_path):
    """On a terminal the progress bar renders (rate, count, time left) and the summary follows."""
    import io

    from rich.console import Console

    import newsearch
    from newsearch.cli import run_indexing

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100, color_system=None)
    with newsearch.create_index(tmp_path / "ix") as ix:
        report = run_indexing(ix, [str(SAMPLE / "baomoi-100.jsonl.gz")], console, wait=0)
    assert report.added == 100
    assert "indexed 100 articles" in buffer.getvalue()


def test_facets_in_json_match_a_brute_force_count(runner, cli_index):
    import collections

    import newsearch

    result = run(runner, "search", "bóng đá", "--index", cli_index, "--facets", "entity,month", "--json")
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout_bytes)
    every = run(runner, "search", "bóng đá", "--index", cli_index, "--json", "--no-collapse", "-n", "1000")
    ids = [h["id"] for h in orjson.loads(every.stdout_bytes)["hits"]]
    months, entities = collections.Counter(), collections.Counter()
    with newsearch.open_index(cli_index) as ix:
        for article_id in ids:
            article = ix.get(article_id)
            months.update([article.published.strftime("%Y-%m")] if article.published else [])
            entities.update(list(dict.fromkeys(article.entities)))
    assert {m: n for m, n in data["facets"]["month"]} == dict(months)
    assert all(entities[name] == n for name, n in data["facets"]["entity"])
    assert set(data["facets"]) == {"entity", "month"}


def test_unknown_facet_is_one_line(runner, cli_index):
    result = run(runner, "search", "bóng đá", "--index", cli_index, "--facets", "entity,colour")
    assert result.exit_code == 2
    assert "unknown facet 'colour'" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_queries_from_stdin_give_one_json_line_each(runner, cli_index):
    result = runner.invoke(app, ["search", "-", "--index", str(cli_index), "-n", "2"],
                           input="trí tuệ nhân tạo\n\nhà nội\nsince:31/02/2024\nzzzzqqq\n")
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    assert [line["query"] for line in lines] == ["trí tuệ nhân tạo", "hà nội", "since:31/02/2024", "zzzzqqq"]
    assert lines[0]["hits"] and len(lines[0]["hits"]) <= 2
    assert "error" in lines[2] and lines[3]["total"] == 0


def test_related_command(runner, cli_index):
    found = orjson.loads(run(runner, "search", "trí tuệ nhân tạo", "--index", cli_index, "--json").stdout_bytes)
    seed = found["hits"][0]["id"]
    result = run(runner, "related", seed, "--index", cli_index, "--json")
    assert result.exit_code == 0, result.output
    hits = orjson.loads(result.stdout_bytes)["hits"]
    assert 0 < len(hits) <= 5 and seed not in [h["id"] for h in hits]
    missing = run(runner, "related", "no-such-id", "--index", cli_index)
    assert missing.exit_code == 2 and "no-such-id" in missing.stderr


def test_a_second_indexer_says_it_waits_then_gives_up_in_one_line(runner, tmp_path):
    source = tmp_path / "one.jsonl"
    source.write_text('{"id": "a", "title": "Hà Nội", "body": "Hà Nội mưa to"}\n', encoding="utf-8")
    index = tmp_path / "ix"
    with newsearch.create_index(index) as ix:
        holder = ix.writer()  # another indexer, still running
        try:
            result = runner.invoke(app, ["index", str(source), "--index", str(index), "--wait", "0.3"])
        finally:
            holder.cancel()
    assert result.exit_code == 2
    assert "waiting up to 0.3 s" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and "--wait" in last and "Traceback" not in result.output
    result = runner.invoke(app, ["index", str(source), "--index", str(index), "--wait", "0"])
    assert result.exit_code == 0  # the lock was given back


def test_index_html_and_csv_then_snippets_stay_on_one_line(runner, tmp_path):
    page = write(tmp_path / "in" / "page.html", (DATA / "vnexpress-style-page.html").read_text(encoding="utf-8"))
    write(tmp_path / "in" / "rows.csv", 'title,body\nHà Nội mưa lớn,"Trời Hà Nội mưa cả ngày,\ngây ngập nhiều phố."\n')
    result = run(runner, "index", page.parent, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    assert "2 added" in result.stderr
    result = run(runner, "search", "giá vàng", "--index", tmp_path / "ix")
    assert "«Giá vàng» tăng mạnh phiên đầu tuần" in result.stdout and "Tin liên quan" not in result.stdout
    result = run(runner, "search", "mưa", "--index", tmp_path / "ix")
    assert "     Trời Hà Nội «mưa» cả ngày, gây ngập nhiều phố." in result.stdout.splitlines()

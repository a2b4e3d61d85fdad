"""The interactive shell, driven by scripted input (a pipe) and read back at a fixed width, no colour."""

import shutil

import pytest

from newsearch.cli import app
from newsearch.shell import history_path

from .conftest import SEED_TITLE


@pytest.fixture()
def shell(runner, sample_index_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "100")
    path = tmp_path / "ix"
    shutil.copytree(sample_index_dir, path)

    def run(script: str):
        result = runner.invoke(app, ["shell", "--index", str(path), "-n", "3"], input=script)
        assert "Traceback" not in result.output
        return result

    return run


def test_query_facets_open_and_quit(shell):
    result = shell("hà nội\n:facets\n1\n:quit\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "newsearch> hà nội" in out
    assert "1–3 of" in out and "«Hà Nội»" in out
    assert "Entities: Hà Nội (" in out and "Articles per month:" in out
    assert "newsearch> 1" in out
    opened = out.split("newsearch> 1", 1)[1]
    assert "id dantri-" in opened or "id sha-" in opened
    assert "\x1b[" not in out
    assert all(len(line) <= 100 for line in out.splitlines())


def test_paging_with_empty_lines_and_prev(shell):
    out = shell("hà nội\n\n:prev\n:quit\n").stdout
    assert "1–3 of" in out and "4–6 of" in out
    assert out.count("1–3 of") == 2


def test_filters_stay_until_cleared_and_show_in_the_prompt(shell):
    out = shell("trí tuệ nhân tạo\n:since 2024-01-01\n:sort date\n:clear\n:quit\n").stdout
    assert "newsearch [since 2024-01-01]> " in out
    assert "newsearch [since 2024-01-01, sort date]> " in out
    assert SEED_TITLE in out.split("newsearch> :since 2024-01-01", 1)[1]
    assert "filters cleared" in out


def test_entity_filter_and_related(shell):
    out = shell('trí tuệ nhân tạo\n:entity Trung Quốc\n:related 1\n:quit\n').stdout
    assert "newsearch [entity Trung Quốc]> " in out
    assert "for “related:" in out


def test_suggestion_accepted_with_one_key(shell):
    out = shell("tri tue nhan tao\ny\n:quit\n").stdout
    assert "Did you mean: trí tuệ nhân tạo" in out
    assert "type y to search" in out
    assert "for “trí tuệ nhân tạo”" in out


def test_json_toggle(shell):
    out = shell(":json\ntrí tuệ nhân tạo\n:quit\n").stdout
    assert '"hits":[' in out.replace(" ", "") or '"hits": [' in out


def test_bad_lines_give_one_line_and_the_shell_goes_on(shell):
    result = shell(":since yesterday-ish\n:bogus\n7\n:sort sideways\nhà nội\n")
    assert result.exit_code == 0  # end of input leaves cleanly, like Ctrl-D
    out = result.stdout
    assert "error:" in out and "unknown command ':bogus'" in out and "type a query first" in out
    assert "1–3 of" in out


def test_history_persists_across_sessions(shell):
    shell("hà nội\n:quit\n")
    shell("bóng đá\n:quit\n")
    assert history_path().read_text(encoding="utf-8").splitlines()[-4:] == ["hà nội", ":quit", "bóng đá", ":quit"]

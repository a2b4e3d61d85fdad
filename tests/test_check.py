"""`newsearch check` and recovery from damaged indexes and interrupted writers."""

import shutil

import pytest

import newsearch
from newsearch.check import check_index
from newsearch.cli import app
from newsearch.index import TEMP_DIR


@pytest.fixture()
def index_copy(sample_index_dir, tmp_path):
    path = tmp_path / "ix"
    shutil.copytree(sample_index_dir, path)
    return path


def test_a_sound_index_passes(runner, index_copy):
    report = check_index(index_copy)
    assert report.ok and report.articles == 301 and report.segments >= 1
    result = runner.invoke(app, ["check", "--index", str(index_copy)])
    assert result.exit_code == 0 and "OK, 301 articles" in result.stdout


def _segment_file(path, suffix):
    return max(path.glob(f"MAIN_*{suffix}"), key=lambda p: p.stat().st_size)


@pytest.mark.parametrize("damage", ["truncate", "delete"])
@pytest.mark.parametrize("part", [".pst", ".trm", "._stored.col"])
def test_damaged_segment_is_reported_in_one_line_with_the_fix(runner, index_copy, damage, part):
    segment = _segment_file(index_copy, part)
    if damage == "truncate":
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    else:
        segment.unlink()
    result = runner.invoke(app, ["check", "--index", str(index_copy)])
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and "--rebuild" in last
    assert "Traceback" not in result.output


def test_garbled_bytes_are_found_by_their_checksum(runner, index_copy):
    postings = _segment_file(index_copy, ".pst")
    data = bytearray(postings.read_bytes())
    data[len(data) // 2] ^= 0xFF
    postings.write_bytes(bytes(data))
    report = check_index(index_copy)
    assert not report.ok and "checksum" in report.problems[0]
    result = runner.invoke(app, ["check", "--index", str(index_copy)])
    assert result.exit_code == 2 and "--rebuild" in result.stderr


def test_not_an_index_and_foreign_versions(runner, tmp_path, index_copy):
    (tmp_path / "plain").mkdir()
    result = runner.invoke(app, ["check", "--index", str(tmp_path / "plain")])
    assert result.exit_code == 2 and "newsearch index" in result.stderr
    (index_copy / "newsearch.json").write_text('{"schema_version": 1}')
    result = runner.invoke(app, ["check", "--index", str(index_copy)])
    assert result.exit_code == 2 and "schema version 1" in result.stderr and "--rebuild" in result.stderr


def test_temporary_files_of_a_dead_writer_are_noted_then_removed(index_copy):
    temp = index_copy / TEMP_DIR
    temp.mkdir(exist_ok=True)
    (temp / "abc123.run").write_bytes(b"partial run")
    assert any("temporary files" in n for n in check_index(index_copy).notes)
    with newsearch.open_index(index_copy) as ix, ix.writer() as writer:
        writer.add(newsearch.Article(id="new", body="Một bài mới về Hà Nội."))
    assert not list(temp.glob("*")) and check_index(index_copy).ok

"""Shared fixtures: paths to the bundled data, small indexes built in temporary directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import newsearch

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_corpus"
SEED_PAGE = SAMPLE / "raw-article-page.txt"
DATA = Path(__file__).resolve().parent / "data"
SEED_TITLE = "Trung Quốc vươn lên thách thức Hoa Kỳ trong cuộc đua AI"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's NEWSEARCH_INDEX or colour settings."""
    monkeypatch.delenv("NEWSEARCH_INDEX", raising=False)
    monkeypatch.delenv("NEWSEARCH_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole sample corpus, indexed once per test session (read-only for tests)."""
    path = tmp_path_factory.mktemp("sample") / "index"
    with newsearch.create_index(path) as ix, ix.writer() as writer:
        writer.add_many(newsearch.read_articles([SAMPLE]))
    return path


@pytest.fixture()
def sample_index(sample_index_dir: Path):
    with newsearch.open_index(sample_index_dir) as ix:
        yield ix


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


os.environ.setdefault("COLUMNS", "120")


@pytest.fixture(scope="session")
def meili_binary() -> Path:
    from .meili_server import MeiliSetupError, MeiliUnsupported, meilisearch_binary

    try:
        return meilisearch_binary()
    except MeiliUnsupported as exc:
        pytest.skip(str(exc))
    except MeiliSetupError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def meili_pair(meili_binary: Path, tmp_path_factory: pytest.TempPathFactory):
    """Two Meilisearch instances on 127.0.0.1 for the whole test session (never killed by tests)."""
    instances = [start_instance(meili_binary, tmp_path_factory.mktemp(f"meili{n}")) for n in range(2)]
    yield instances
    for instance in instances:
        instance.stop()


@pytest.fixture()
def meili_key(monkeypatch: pytest.MonkeyPatch) -> str:
    from .meili_server import MASTER_KEY

    monkeypatch.setenv("NEWSEARCH_MEILI_KEY", MASTER_KEY)
    return MASTER_KEY


def start_instance(binary: Path, data: Path):
    """A started Meilisearch instance; a failure to start fails the test with Meilisearch's log."""
    from .meili_server import MeiliInstance, MeiliSetupError

    try:
        return MeiliInstance(binary, data).start()
    except MeiliSetupError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def many_segments(tmp_path_factory: pytest.TempPathFactory):
    """The sample corpus in several segments (no merging), some articles deleted."""
    path = tmp_path_factory.mktemp("segments") / "ix"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("newsearch.merge.AUTO_MERGE_DOCS", 0)
        with newsearch.create_index(path) as ix:
            articles = list(newsearch.read_articles([SAMPLE]))
            with ix.writer() as writer:
                writer.add_many(articles, commit_every=70, workers=2)
            with ix.writer() as writer:
                for article in articles[::9]:
                    writer.delete(article.id)
            assert len(ix.whoosh()._segments()) > 4
    with newsearch.open_index(path) as ix:
        yield ix

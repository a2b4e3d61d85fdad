import itertools

import pytest

import newsearch
from newsearch.pipeline import WorkerBuilders, WorkerError, build_document

from .conftest import SAMPLE


def _postings(ix: newsearch.Index) -> dict:
    """Every (field, term) → sorted [(article id, value)] of the index: its whole inverted content."""
    with ix.whoosh().reader() as reader:
        ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
        return {
            (field, term): sorted((ids[d], v) for d, v in reader.postings(field, term).items_as("frequency"))
            for field, term in reader.all_terms()
        }


def test_worker_processes_build_the_same_index_as_one_process(tmp_path):
    articles = list(itertools.islice(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]), 60))
    built = {}
    for workers in (0, 2):
        with newsearch.create_index(tmp_path / f"ix{workers}") as ix:
            with ix.writer() as writer:
                writer.add_many(articles, workers=workers)
            built[workers] = _postings(ix)
            assert ix.doc_count() == len(articles)
    assert built[2] == built[0]


def test_documents_carry_ready_made_terms_and_the_original_title():
    article = newsearch.Article(id="x", title="Thuỷ điện Hoà Bình", body="Trí tuệ nhân tạo của Trung Quốc")
    document = build_document(article, None, "x")
    assert document["title"] == "thủy điện hòa bình" and document["_stored_title"] == "Thuỷ điện Hoà Bình"
    assert document["content_fold"] == "tri tue nhan tao cua trung quoc"
    assert document["content_pair"].split()[:2] == ["tri_tue", "tue_nhan"]
    assert "Trung Quốc" in document["facet_values"].decode()


def test_a_worker_that_dies_is_reported_and_nothing_is_committed(tmp_path):
    with newsearch.create_index(tmp_path / "ix") as ix:
        writer = ix.writer()
        writer.add_many([newsearch.Article(id="a", title="Hà Nội", body="Hà Nội mưa to")], workers=1)
        builders = writer._builders
        assert isinstance(builders, WorkerBuilders)
        builders._processes[0].kill()
        builders._processes[0].join()
        with pytest.raises(WorkerError, match="died"):
            writer.commit()
        assert ix.doc_count() == 0
        with ix.writer() as again:  # the lock was released
            again.add(newsearch.Article(id="b", title="Huế", body="Huế nắng"))
        assert ix.doc_count() == 1

"""The Meilisearch backend on two real local instances: the foundation's acceptance checks, shards,
replicas, a shard killed mid-test, and analysis on a Dask LocalCluster."""

from __future__ import annotations

import itertools

import orjson
import pytest

import newsearch
from newsearch.cli import app
from newsearch.meili import MeiliCluster, MeiliUnavailableError, open_meilisearch, parse_cluster_spec, shard_of
from newsearch.meili.documents import document_key, filter_expression, query_text
from newsearch.models import Article

from .conftest import SAMPLE, SEED_TITLE, start_instance, write
from .meili_server import MeiliInstance

# The foundation's acceptance checks, run here against a two-shard Meilisearch index (the
# ``sample_index`` fixture below); Whoosh-only behaviour ("did you mean", relaxed-query notes,
# snapshots) stays in test_search.py.
from .test_search import (  # noqa: F401 - collected here, on this module's sample_index
    test_bad_arguments,
    test_date_range,
    test_entity_filter,
    test_exact_accents_rank_above_folded_matches,
    test_facets_equal_a_brute_force_count,
    test_nfd_query_equals_nfc_query,
    test_odd_queries_never_crash,
    test_pagination_is_consistent,
    test_phrase_exclusion_or_and_title,
    test_related_articles_share_the_topic,
    test_seed_article_in_top3_with_highlight,
    test_sort_by_date_puts_undated_last,
    test_tone_placements_give_identical_rankings,
    test_unknown_facet_is_a_query_error,
)

_names = (f"t{n}" for n in itertools.count())


def spec(instances: list[MeiliInstance]) -> str:
    return ",".join(i.url for i in instances)


@pytest.fixture(scope="module")
def sample_meili(meili_pair, meili_binary):
    from .meili_server import MASTER_KEY

    with open_meilisearch(spec(meili_pair), "sample", create=True, api_key=MASTER_KEY) as ix:
        ix.drop()
    with open_meilisearch(spec(meili_pair), "sample", create=True, api_key=MASTER_KEY) as ix:
        with ix.writer() as writer:
            writer.add_many(newsearch.read_articles([SAMPLE]))
    return spec(meili_pair)


@pytest.fixture()
def sample_index(sample_meili, meili_key):
    with open_meilisearch(sample_meili, "sample") as ix:
        yield ix


# ------------------------------------------------------------------------------ without a server


def test_cluster_spec_names_shards_and_replicas():
    assert parse_cluster_spec("http://a:1|http://a2:1, http://b:2") == [["http://a:1", "http://a2:1"], ["http://b:2"]]
    with pytest.raises(newsearch.NewsearchError):
        parse_cluster_spec("http://a:1,,http://b:2")


def test_shards_are_a_stable_hash_of_the_id():
    assert [shard_of(i, 2) for i in ("a", "b", "c", "dantri-1")] == [shard_of(i, 2) for i in ("a", "b", "c", "dantri-1")]
    counts = [sum(shard_of(f"id-{n}", 2) == s for n in range(1000)) for s in (0, 1)]
    assert min(counts) > 400


def test_document_keys_are_valid_and_distinct():
    assert document_key("dantri-123_x") == "dantri-123_x"
    odd = [document_key(i) for i in ("https://vnexpress.net/a.html", "id có dấu", "h_x", "h_x ")]
    assert all(k.startswith("h_") and len(k) == 66 for k in odd) and len(set(odd)) == 4


def test_filters_and_query_text_are_quoted():
    parsed = newsearch.parse_query('entity:"Hà Nội" entity:ha_noi category:"Thể thao" "cuộc đua" AI -"giá vàng" -USD')
    filters = filter_expression(parsed)
    assert 'entity_keys = "hà nội"' in filters and any(f.startswith("entity_folds") for f in filters)
    assert 'category_key = "thể thao"' in filters
    assert query_text(parsed.groups[0], parsed.excluded) == '"cuộc đua" AI -"giá vàng" -USD'
    tricky = newsearch.parse_query('entity:"a\\"b"')
    assert filter_expression(tricky)[0].endswith('"a\\\\\\"b"') or '\\"' in filter_expression(tricky)[0]


def test_unreachable_meilisearch_is_one_line(runner):
    result = runner.invoke(app, ["search", "x", "--backend", "meilisearch", "--meili", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "no shard of meilisearch:http://127.0.0.1:9" in result.output and "Traceback" not in result.output


def test_bad_address_and_missing_key_are_one_line(runner, meili_pair, monkeypatch):
    result = runner.invoke(app, ["search", "x", "--meili", "notaurl::"])
    assert result.exit_code == 2 and "is not a Meilisearch address" in result.output
    monkeypatch.delenv("NEWSEARCH_MEILI_KEY", raising=False)
    result = runner.invoke(app, ["search", "x", "--meili", meili_pair[0].url])
    assert result.exit_code == 2 and "NEWSEARCH_MEILI_KEY" in result.output and "Traceback" not in result.output


def test_meilisearch_backend_needs_shards(runner):
    result = runner.invoke(app, ["search", "x", "--backend", "meilisearch"])
    assert result.exit_code == 2 and "--meili http://HOST:PORT" in result.output


# ------------------------------------------------------------------------------ two shards


def test_articles_are_spread_over_both_shards(sample_index, meili_pair):
    counts = [c.request("GET", "/indexes/sample/stats")["numberOfDocuments"]
              for c in (s.replicas[0] for s in sample_index.cluster.shards)]
    assert sum(counts) == sample_index.doc_count() == 301 and min(counts) > 100


def test_accent_exact_hits_rank_first(meili_pair, meili_key):
    articles = [Article(id="folded", title="Hoa nở", body="Hoa bình thường nở vào mùa xuân ở vùng cao."),
                Article(id="exact", title="Hòa bình", body="Hòa bình là khát vọng của mọi dân tộc."),
                Article(id="old-tone", title="Hoà bình", body="Hoà bình cho khu vực, các bên nói.")]
    with open_meilisearch(spec(meili_pair), next(_names), create=True) as ix:
        with ix.writer() as writer:
            writer.add_many(articles)
        searcher = ix.searcher()
        accented = [h.id for h in searcher.search("hòa bình")]
        assert set(accented[:2]) == {"exact", "old-tone"} and accented[2] == "folded"
        assert [h.id for h in searcher.search("hoà bình")] == accented
        assert {h.id for h in searcher.search("hoa binh")} == {"exact", "old-tone", "folded"}
        ix.drop()


def test_reindexing_is_idempotent_and_counts_replacements(meili_pair, meili_key, runner, tmp_path):
    name = next(_names)
    args = ["index", str(SAMPLE / "raw-article-page.txt"), str(SAMPLE / "dantri-200.jsonl.gz"),
            "--backend", "meilisearch", "--meili", spec(meili_pair), "--meili-index", name, "--workers", "0"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and "0 added" in second.output and "replaced" in second.output
    with open_meilisearch(spec(meili_pair), name) as ix:
        assert ix.doc_count() == 201
        ix.drop()


def test_bad_lines_are_reported_and_the_rest_indexed(meili_pair, meili_key, runner, tmp_path):
    name = next(_names)
    source = write(tmp_path / "mixed.jsonl", '{"id": "a1", "title": "Giá vàng tăng", "body": "Giá vàng hôm nay tăng mạnh."}\n'
                   '{"id": "broken", "title": \n' '{"id": "a2", "title": "Bóng đá", "body": "Đội tuyển thắng."}\n')
    result = runner.invoke(app, ["index", str(source), "--meili", spec(meili_pair), "--meili-index", name, "--workers", "0"])
    assert result.exit_code == 0 and "mixed.jsonl:2" in result.output
    with open_meilisearch(spec(meili_pair), name) as ix:
        assert ix.doc_count() == 2 and ix.get("a1").title == "Giá vàng tăng"
        with pytest.raises(newsearch.ArticleNotFoundError):
            ix.get("missing")
        ix.drop()


def test_near_duplicates_collapse_across_shards(meili_pair, meili_key):
    body = ("Ngân hàng Nhà nước công bố tỷ giá trung tâm của đồng Việt Nam với đô la Mỹ tăng nhẹ so với "
            "phiên trước, trong khi giá vàng miếng trong nước tiếp tục đi ngang ở mức cao kỷ lục. ") * 3
    copies = [Article(id=f"copy-{n}", title=f"Tỷ giá hôm nay {n}", body=body + f" Nguồn {n}.") for n in range(6)]
    with open_meilisearch(spec(meili_pair), next(_names), create=True) as ix:
        with ix.writer() as writer:
            writer.add_many(copies[:3])
        with ix.writer() as writer:  # later copies find the committed ones through their band keys
            writer.add_many(copies[3:])
        assert {shard_of(a.id, 2) for a in copies} == {0, 1}
        results = ix.searcher().search("tỷ giá")
        assert len(results.hits) == 1 and len(results.hits[0].similar) == 5 and results.collapsed == 5
        assert len(ix.searcher().search("tỷ giá", collapse=False).hits) == 6
        ix.drop()


def test_delete_by_id(meili_pair, meili_key):
    with open_meilisearch(spec(meili_pair), next(_names), create=True) as ix:
        with ix.writer() as writer:
            writer.add_many([Article(id=f"d{n}", title=f"Tin số {n}", body="Nội dung tin tức.") for n in range(4)])
        with ix.writer() as writer:
            assert writer.delete("d2") and not writer.delete("nope")
        assert ix.doc_count() == 3
        ix.drop()


# ------------------------------------------------------------------------------ failures


@pytest.fixture()
def own_pair(meili_binary, tmp_path, meili_key):
    """Two instances of this test's own, which it may kill."""
    instances = [start_instance(meili_binary, tmp_path / f"m{n}") for n in range(2)]
    yield instances
    for instance in instances:
        instance.stop()


def test_a_killed_shard_gives_partial_results_with_a_warning(own_pair, runner):
    url = spec(own_pair)
    indexed = runner.invoke(app, ["index", str(SAMPLE), "--meili", url, "--workers", "0"])
    assert indexed.exit_code == 0, indexed.output
    full = orjson.loads(runner.invoke(app, ["search", "Việt Nam", "--meili", url, "--json", "-n", "50"]).stdout)
    assert full["warnings"] == [] and full["total"] > 20

    own_pair[1].stop()
    partial = runner.invoke(app, ["search", "Việt Nam", "--meili", url, "--json", "-n", "50"])
    assert partial.exit_code == 0, partial.output
    answer = orjson.loads(partial.stdout)
    assert 0 < answer["total"] < full["total"]
    assert any("shard 2" in w and "partial" in w for w in answer["warnings"])
    assert all(shard_of(h["id"], 2) == 0 for h in answer["hits"])
    terminal = runner.invoke(app, ["search", "Việt Nam", "--meili", url])
    assert terminal.exit_code == 0 and "note: shard 2" in terminal.output and "Traceback" not in terminal.output

    writing = runner.invoke(app, ["index", str(SAMPLE / "raw-article-page.txt"), "--meili", url, "--workers", "0"])
    assert writing.exit_code == 2 and "unreachable" in writing.output and "Traceback" not in writing.output

    own_pair[1].start()  # same port, same data
    again = runner.invoke(app, ["index", str(SAMPLE), "--meili", url, "--workers", "0"])
    assert again.exit_code == 0, again.output
    restored = orjson.loads(runner.invoke(app, ["search", "Việt Nam", "--meili", url, "--json", "-n", "50"]).stdout)
    assert restored["warnings"] == [] and [h["id"] for h in restored["hits"]] == [h["id"] for h in full["hits"]]


def test_a_replica_keeps_its_shard_answering(own_pair):
    replicated = "|".join(i.url for i in own_pair)  # one shard, two replicas
    with open_meilisearch(replicated, "news", create=True) as ix:
        with ix.writer() as writer:
            writer.add_many(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]))
        both = [c.request("GET", "/indexes/news/stats")["numberOfDocuments"] for c in ix.cluster.shards[0].replicas]
        assert both == [100, 100]
        before = [h.id for h in ix.searcher().search("Hà Nội")]
        own_pair[0].stop()
        for _ in range(3):  # whichever replica is tried first
            after = ix.searcher().search("Hà Nội")
            assert [h.id for h in after] == before and not after.warnings


def test_writes_to_an_unreachable_shard_fail_clearly(own_pair):
    with open_meilisearch(spec(own_pair), "news", create=True) as ix:
        own_pair[0].stop()
        cluster = MeiliCluster.from_spec(spec(own_pair), "news", retries=0)
        with open_meilisearch(cluster) as down:
            with pytest.raises(MeiliUnavailableError, match="shard 1 .* unreachable"):
                with down.writer() as writer:
                    writer.add_many(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]))
        assert ix.cluster.shards[1].replicas[0].healthy()


# ------------------------------------------------------------------------------ Dask


@pytest.fixture(scope="module")
def dask_scheduler():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_dask_analysis_feeds_both_backends_alike(dask_scheduler, meili_pair, meili_key, tmp_path):
    articles = list(newsearch.read_articles([SAMPLE / "baomoi-100.jsonl.gz"]))
    with newsearch.open_index(tmp_path / "local", create=True) as local, local.writer() as writer:
        writer.add_many(articles)
    with newsearch.open_index(tmp_path / "dask", create=True) as remote, remote.writer() as writer:
        writer.add_many(articles, dask=dask_scheduler)
    name = next(_names)
    with open_meilisearch(spec(meili_pair), name, create=True) as ix:
        with ix.writer() as writer:
            writer.add_many(articles, dask=dask_scheduler)
        with newsearch.open_index(tmp_path / "local") as local, newsearch.open_index(tmp_path / "dask") as remote:
            for query in ("Hà Nội", "bóng đá", "giá xăng"):
                expected = [(h.id, h.score) for h in local.searcher().search(query)]
                assert [(h.id, h.score) for h in remote.searcher().search(query)] == expected
                assert ix.get(expected[0][0]).entities == local.get(expected[0][0]).entities
        assert ix.doc_count() == 100
        ix.drop()


def test_unreachable_dask_scheduler_is_one_line(runner, tmp_path):
    result = runner.invoke(app, ["index", str(SAMPLE / "raw-article-page.txt"), "--index", str(tmp_path / "ix"),
                                 "--dask", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "Dask" in result.output and "Traceback" not in result.output


# ------------------------------------------------------------------------------ CLI on this backend


def test_config_file_names_the_backend(sample_meili, meili_key, runner, tmp_path):
    config = write(tmp_path / "newsearch.toml",
                   f'backend = "meilisearch"\nmeili = {sample_meili.split(",")!r}\nmeili_index = "sample"\n'.replace("'", '"'))
    result = runner.invoke(app, ["search", "trí tuệ nhân tạo", "--config", str(config), "--json", "-n", "3"])
    assert result.exit_code == 0, result.output
    assert SEED_TITLE in [hit["title"] for hit in orjson.loads(result.stdout)["hits"]]
    broken = write(tmp_path / "broken.toml", "backend = [")
    result = runner.invoke(app, ["search", "x", "--config", str(broken)])
    assert result.exit_code == 2 and "not valid TOML" in result.output


def test_shell_show_and_stats_on_meilisearch(sample_meili, meili_key, runner, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSEARCH_MEILI", sample_meili)
    monkeypatch.setenv("NEWSEARCH_MEILI_INDEX", "sample")
    shell = runner.invoke(app, ["shell", "-n", "3"], input="tri tue nhan tao\n1\n:related 1\n:quit\n")
    assert shell.exit_code == 0 and SEED_TITLE in shell.output and "Traceback" not in shell.output
    stats = orjson.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert stats["articles"] == 301 and stats["oldest"] < stats["newest"]
    hits = orjson.loads(runner.invoke(app, ["search", "trí tuệ nhân tạo", "--json", "-n", "3"]).stdout)["hits"]
    seed = next(hit["id"] for hit in hits if hit["title"] == SEED_TITLE)
    shown = orjson.loads(runner.invoke(app, ["show", seed, "--json"]).stdout)
    assert shown["title"] == SEED_TITLE and "trí tuệ nhân tạo" in shown["body"]
    related = runner.invoke(app, ["related", seed, "--json"])
    assert related.exit_code == 0 and seed not in [hit["id"] for hit in orjson.loads(related.stdout)["hits"]]
    check = runner.invoke(app, ["check", "--backend", "meilisearch"])
    assert check.exit_code == 2 and "Meilisearch checks its own" in check.output

"""The malloc settings a searching process gets (newsearch.allocator)."""

from __future__ import annotations

import platform

import pytest

from newsearch import allocator


class RecordingMallopt:
    """Stands for glibc's mallopt: records each call and answers as glibc does (1: done)."""

    def __init__(self, answer: int = 1) -> None:
        self.calls: list[tuple[int, int]] = []
        self.answer = answer

    def __call__(self, parameter: int, value: int) -> int:
        self.calls.append((parameter, value))
        return self.answer


def test_sets_both_thresholds_to_glibcs_ceilings() -> None:
    mallopt = RecordingMallopt()
    assert allocator.keep_freed_memory({}, mallopt) is True
    assert sorted(mallopt.calls) == sorted([(allocator.M_TRIM_THRESHOLD, 64 * 1024 * 1024),
                                            (allocator.M_MMAP_THRESHOLD, 32 * 1024 * 1024)])


@pytest.mark.parametrize("environ", [
    {"NEWSEARCH_MALLOC": "system"},
    {"NEWSEARCH_MALLOC": " System "},
    {"MALLOC_TRIM_THRESHOLD_": "131072"},
    {"MALLOC_MMAP_THRESHOLD_": "131072"},
    {"MALLOC_TOP_PAD_": "0"},
    {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"},
])
def test_leaves_the_users_own_choice_alone(environ: dict[str, str]) -> None:
    mallopt = RecordingMallopt()
    assert allocator.keep_freed_memory(environ, mallopt) is False
    assert mallopt.calls == []


def test_other_tunables_do_not_count_as_a_choice() -> None:
    mallopt = RecordingMallopt()
    assert allocator.keep_freed_memory({"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2", "NEWSEARCH_MALLOC": ""}, mallopt)
    assert len(mallopt.calls) == 2


def test_a_refused_setting_is_reported() -> None:
    assert allocator.keep_freed_memory({}, RecordingMallopt(answer=0)) is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibcs_mallopt_is_found() -> None:
    assert allocator._glibc_mallopt() is not None


def test_a_searcher_asks_for_it(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import newsearch

    calls: list[object] = []
    monkeypatch.setattr("newsearch.search.keep_freed_memory", lambda: calls.append(None))
    with newsearch.create_index(tmp_path / "ix") as index, index.searcher():
        pass
    assert calls == [None]

"""Let a searching process keep the memory a query frees for the next one (glibc's malloc).

A title query at 350k articles makes arrays of tens of megabytes (its postings decoded, their
weights, a score per article) and frees them at its end. glibc's malloc hands the freed top of its
heap back to the kernel once more than its trim threshold is free there, so the next query's
arrays start on fresh pages that the kernel zero-fills on first touch: ≈ 950 page faults a title
query at 350k (37 at 35k) and a sixth of the slowest queries' time.

glibc moves its thresholds itself — the mmap threshold up to the largest mapped block freed so
far, at most 32 MiB, and the trim threshold to twice that — but only as far as the blocks a
process happened to free. Setting them to that ceiling (32 and 64 MiB) is the state a
numpy-heavy process reaches anyway, reached at once: at most 64 MiB stays free in the heap
between queries instead of going back to the kernel.

Applied once per process when a :class:`newsearch.Searcher` is made, on glibc only, and never
over the user's own choice: not when ``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TOP_PAD_`` or a malloc ``GLIBC_TUNABLES`` is set, nor when ``NEWSEARCH_MALLOC=system``.
"""

from __future__ import annotations

import ctypes
import os
import platform
from typing import Callable, Mapping

__all__ = ["keep_freed_memory", "MMAP_THRESHOLD", "TRIM_THRESHOLD", "OPT_OUT"]

M_TRIM_THRESHOLD = -1  # mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's ceiling for its sliding mmap threshold (64-bit)
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc pairs with it
OPT_OUT = "NEWSEARCH_MALLOC"  # set to "system" to leave malloc as it is
_USER_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_")

Mallopt = Callable[[int, int], int]

_applied: bool | None = None  # once per process


def keep_freed_memory(environ: Mapping[str, str] | None = None, mallopt: Mallopt | None = None) -> bool:
    """Raise glibc's trim and mmap thresholds to their ceilings, once per process; True if they
    are in force (set now or before). ``environ`` and ``mallopt`` are for tests."""
    global _applied
    if _applied is not None and mallopt is None:
        return _applied
    environ = os.environ if environ is None else environ
    result = False
    if not _left_to_user(environ):
        setter = mallopt if mallopt is not None else _glibc_mallopt()
        if setter is not None:
            trimmed = setter(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
            mapped = setter(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            result = bool(trimmed and mapped)
    if mallopt is None:
        _applied = result
    return result


def _left_to_user(environ: Mapping[str, str]) -> bool:
    """Whether the user chose malloc's behaviour (or asked newsearch to leave it alone)."""
    if environ.get(OPT_OUT, "").strip().lower() == "system":
        return True
    if any(name in environ for name in _USER_SETTINGS):
        return True
    return "glibc.malloc." in environ.get("GLIBC_TUNABLES", "")


def _glibc_mallopt() -> Mallopt | None:
    """glibc's ``mallopt``, or None on another C library (macOS, musl, Windows)."""
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        function = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_int)
    function.restype = ctypes.c_int
    return function

"""What a damaged index makes Whoosh raise, translated into one newsearch error."""

from __future__ import annotations

import pickle
import struct
import zlib
from pathlib import Path

from whoosh import index as whoosh_index

from .errors import IndexCorruptError

__all__ = ["WHOOSH_ERRORS", "corrupt_error"]

# Whoosh's own IndexError shadows the builtin one; truncated files surface as EOFError or struct errors.
WHOOSH_ERRORS: tuple[type[BaseException], ...] = (
    EOFError, OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, ImportError,
    whoosh_index.IndexError, pickle.UnpicklingError, struct.error, zlib.error,
)


def corrupt_error(path: Path, exc: BaseException) -> IndexCorruptError:
    return IndexCorruptError(f"the index at '{path}' is damaged and cannot be read ({type(exc).__name__}: {exc})")

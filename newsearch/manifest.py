"""A record of every segment file's size and checksum, written after each commit.

Whoosh cannot tell a truncated or garbled postings file from a sound one until a query happens to
read the damaged block. The manifest lets ``newsearch check`` verify every byte (CRC-32) and every
open verify every size (one stat per file), so damage is reported as damage, with the fix.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any, Iterable

import orjson

__all__ = ["MANIFEST_FILE", "write_manifest", "size_problems", "checksum_problems"]

MANIFEST_FILE = "newsearch-files.json"
_CHUNK = 1 << 20


def _crc32(path: Path) -> int:
    crc = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def _segment_of(filename: str) -> str:
    """The segment id in a segment file's name (MAIN_<id>.<part>: Whoosh's index name, then the id)."""
    return filename.split(".", 1)[0].split("_", 1)[-1]


def segment_files(path: Path, segment_ids: Iterable[str]) -> list[Path]:
    ids = set(segment_ids)
    return sorted(p for p in path.iterdir() if p.is_file() and _segment_of(p.name) in ids)


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        return orjson.loads((path / MANIFEST_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}


def write_manifest(path: Path, segment_ids: Iterable[str]) -> None:
    """Record the files of these segments; checksums of files already recorded are reused."""
    old = read_manifest(path)
    entries = {}
    for file in segment_files(path, segment_ids):
        size = file.stat().st_size
        known = old.get(file.name)
        entries[file.name] = known if known and known["size"] == size else {"size": size, "crc32": _crc32(file)}
    temp = path / f".{MANIFEST_FILE}.tmp"
    temp.write_bytes(orjson.dumps(entries))
    os.replace(temp, path / MANIFEST_FILE)


def size_problems(path: Path, segment_ids: Iterable[str]) -> list[str]:
    """Recorded files of live segments that are missing or have another size (stat only)."""
    recorded = read_manifest(path)
    ids = set(segment_ids)
    problems = []
    for name, entry in recorded.items():
        if _segment_of(name) not in ids:
            continue
        file = path / name
        if not file.exists():
            problems.append(f"segment file {name} is missing")
        elif file.stat().st_size != entry["size"]:
            problems.append(f"segment file {name} has {file.stat().st_size:,} bytes instead of {entry['size']:,}")
    return problems


def checksum_problems(path: Path, segment_ids: Iterable[str]) -> list[str]:
    """Sizes, then every byte of every recorded file of a live segment."""
    problems = size_problems(path, segment_ids)
    if problems:
        return problems
    ids = set(segment_ids)
    for name, entry in read_manifest(path).items():
        if _segment_of(name) in ids and _crc32(path / name) != entry["crc32"]:
            problems.append(f"segment file {name} is garbled (checksum mismatch)")
    return problems

"""Read articles from files, directories and stdin, streaming, one bad record never stopping the rest.

Formats: JSON Lines (``.jsonl``, ``.ndjson``), a JSON array or object (``.json``), CSV and TSV with a
header row (``.csv``, ``.tsv``), saved HTML article pages (``.html``, ``.htm``), plain-text article
pages (``.txt``); any of them gzip-compressed; UTF-8 (with or without BOM) or UTF-16 with a BOM (an
HTML page may also declare another charset). Unknown extensions are sniffed from their first bytes.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
import zlib
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import orjson

from ..errors import IngestError
from ..models import Article, IngestProblem
from .htmlpage import declared_charset, looks_like_html, record_from_html
from .rawpage import parse_raw_page
from .records import SYNONYMS, UNFORESEEN_ERRORS, RecordError, article_from_page, article_from_record

__all__ = ["read_articles", "iter_input_files", "check_inputs", "count_records", "STDIN"]

STDIN = "-"
_SUFFIXES = (".jsonl", ".ndjson", ".json", ".txt", ".text", ".html", ".htm", ".xhtml", ".csv", ".tsv")
_GZIP_MAGIC = b"\x1f\x8b"
_HEAD = 512  # bytes looked at to tell a format without an extension (stdin, odd names)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TEXT_COLUMNS = frozenset(SYNONYMS["title"] + SYNONYMS["lead"] + SYNONYMS["body"])
ProblemHandler = Callable[[IngestProblem], None]


def check_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Fail before anything is read if a path does not exist (so a typo indexes nothing)."""
    checked = []
    for path in paths:
        name = os.fspath(path)
        if name != STDIN and not os.path.exists(name):
            raise IngestError(name, "no such file or directory")
        checked.append(name)
    if not checked:
        raise IngestError("(no input)", "no input path given")
    return checked


def _supported(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return not path.name.startswith(".") and name.endswith(_SUFFIXES)


def iter_input_files(name: str) -> Iterator[str]:
    """The files behind one input: itself, or a directory's supported files in a stable order."""
    if name == STDIN or not os.path.isdir(name):
        yield name
        return
    for root, dirs, files in os.walk(name):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in sorted(files):
            if _supported(Path(file)):
                yield os.path.join(root, file)


def _open_binary(name: str, stdin: BinaryIO | None) -> BinaryIO:
    raw: BinaryIO = stdin if name == STDIN and stdin is not None else open(name, "rb")  # noqa: SIM115
    stream = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    if stream.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    return stream


def _format_of(name: str, head: bytes) -> str:
    lower = name.lower().removesuffix(".gz")
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".txt", ".text")):
        return "page"
    if lower.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if lower.endswith((".csv", ".tsv")):
        return "csv"
    if looks_like_html(head):
        return "html"
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first not in (b"[", b"{") and _looks_like_csv_header(head):
        return "csv"
    return {b"[": "json", b"{": "jsonl"}.get(first, "page")


def _text_encoding(head: bytes) -> str:
    """UTF-16 when the data starts with its byte-order mark, else UTF-8 (a BOM dropped)."""
    return "utf-16" if head[:2] in _UTF16_BOMS else "utf-8-sig"


def _looks_like_csv_header(head: bytes) -> bool:
    """A first line of delimited column names, one of them a title, summary or body column."""
    line = head.decode(_text_encoding(head), "ignore").split("\n", 1)[0].strip().lower()
    names = [name.strip().strip('"') for name in re.split(r"[,;\t|]", line)]
    identifiers = all(re.fullmatch(r"[\w.-]{1,40}", name) for name in names)
    return len(names) > 1 and identifiers and bool(_TEXT_COLUMNS.intersection(names))


def _decode(data: bytes, name: str) -> str:
    if data[:2] in _UTF16_BOMS:
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(name, f"broken UTF-16 text at byte {exc.start}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            name, f"not UTF-8 text (invalid byte at offset {exc.start}); convert it with `iconv -t UTF-8`"
        ) from None


def _decode_html(data: bytes, name: str) -> str:
    """UTF-8 or UTF-16 as every other input; else the charset the page declares (windows-1258, …)."""
    try:
        return _decode(data, name)
    except IngestError:
        charset = declared_charset(data)
        if not charset:
            raise
        try:
            return data.decode(codecs.lookup(charset).name)
        except (LookupError, UnicodeDecodeError):
            raise IngestError(name, f"cannot decode the page as its declared charset '{charset}'; "
                              "convert it with `iconv -t UTF-8`") from None


def _record_to_article(record: object, name: str, line: int | None) -> Article | IngestProblem:
    try:
        return article_from_record(record)
    except RecordError as exc:
        return IngestProblem(name, line, str(exc))
    except UNFORESEEN_ERRORS as exc:  # a value no rule foresaw: this record only
        return IngestProblem(name, line, f"unreadable record ({type(exc).__name__}: {exc})")


def _jsonl_records(stream: BinaryIO, name: str) -> Iterator[Article | IngestProblem]:
    good = bad_utf8 = 0
    number = 0
    for number, line in enumerate(stream, start=1):
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                bad_utf8 += 1
                yield IngestProblem(name, number, "not valid UTF-8")
                continue
            yield IngestProblem(name, number, f"broken JSON ({str(exc).split(':', 1)[0]})")
            continue
        item = _record_to_article(record, name, number)
        good += isinstance(item, Article)
        yield item
    if number == 0:
        yield IngestProblem(name, None, "empty file")
    elif bad_utf8 and not good:
        yield IngestProblem(name, None, "not UTF-8 text; convert it with `iconv -t UTF-8`")


def _json_records(text: str, name: str) -> Iterator[Article | IngestProblem]:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        yield IngestProblem(name, None, f"broken JSON ({exc})")
        return
    if isinstance(data, dict) and not any(k in data for k in ("title", "body", "content", "text")):
        data = next((v for v in data.values() if isinstance(v, list)), [data])  # {"articles": [...]}
    items = data if isinstance(data, list) else [data]
    if not items:
        yield IngestProblem(name, None, "the JSON array is empty")
    for index, record in enumerate(items, start=1):
        item = _record_to_article(record, name, None)
        if isinstance(item, IngestProblem):
            item = IngestProblem(name, None, f"item {index}: {item.reason}")
        yield item


def _page_record(text: str, name: str, *, html: bool) -> Iterator[Article | IngestProblem]:
    """The one article of a saved page (HTML or plain text)."""
    if not text.strip():
        yield IngestProblem(name, None, "empty file")
        return
    try:
        yield article_from_record(record_from_html(text)) if html else article_from_page(parse_raw_page(text))
    except RecordError as exc:
        yield IngestProblem(name, None, str(exc))
    except UNFORESEEN_ERRORS as exc:  # markup no rule foresaw: this page only
        yield IngestProblem(name, None, f"unreadable page ({type(exc).__name__}: {exc})")



def _csv_records(stream: BinaryIO, name: str, head: bytes) -> Iterator[Article | IngestProblem]:
    """Rows of a CSV/TSV file with a header row; the delimiter (, ; tab |) is sniffed from the header."""
    text = io.TextIOWrapper(stream, encoding=_text_encoding(head), newline="")
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # article bodies outgrow the 128 KB default
    try:
        header_line = text.readline()
    except UnicodeDecodeError:
        yield IngestProblem(name, None, "not UTF-8 text; convert it with `iconv -t UTF-8`")
        return
    counts = {d: header_line.count(d) for d in ",;\t|"}
    delimiter = max(counts, key=counts.__getitem__)
    columns = next(csv.reader([header_line], delimiter=delimiter), [])
    if not {c.strip().lower() for c in columns} & _TEXT_COLUMNS:
        shown = ", ".join(c.strip() for c in columns[:8]) or "none"
        yield IngestProblem(name, 1, f"no title, summary or body column in the header (columns: {shown}); "
                                     "name one of them title, summary or body")
        return
    reader = csv.DictReader(text, fieldnames=[c.strip() for c in columns], delimiter=delimiter, strict=True)
    rows, failed_at = 0, -1
    while True:
        start = reader.line_num + 2  # the file line this row begins on (line 1 is the header)
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = "a quote opened here is never closed" if "end of data" in str(exc) else str(exc)
            yield IngestProblem(name, start, f"broken CSV ({reason}); fix the quoting of this row")
            if reader.line_num == failed_at:
                return  # the reader is not moving on: stop rather than loop
            failed_at = reader.line_num
            continue
        except UnicodeDecodeError:
            yield IngestProblem(name, start, "not valid UTF-8; convert the file with `iconv -t UTF-8`")
            return
        rows += 1
        yield _record_to_article({k: v for k, v in row.items() if k is not None}, name, start)
    if not rows:
        yield IngestProblem(name, None, "no rows after the header")


def _file_records(name: str, stdin: BinaryIO | None) -> Iterator[Article | IngestProblem]:
    display = "<stdin>" if name == STDIN else name
    with _open_binary(name, stdin) as stream:
        head = stream.peek(_HEAD)[:_HEAD] if hasattr(stream, "peek") else b""
        if not head:
            yield IngestProblem(display, None, "empty file")
            return
        kind = _format_of(name, head)
        if kind == "jsonl" and head[:2] not in _UTF16_BOMS:
            yield from _jsonl_records(stream, display)
            return
        if kind == "csv":
            yield from _csv_records(stream, display, head)
            return
        data = stream.read()
        text = _decode_html(data, display) if kind == "html" else _decode(data, display)
    if kind in ("html", "page"):
        yield from _page_record(text, display, html=kind == "html")
    elif kind == "json":
        yield from _json_records(text, display)
    else:
        yield from _jsonl_records(io.BytesIO(text.encode("utf-8")), display)


def _safe_file_records(name: str, stdin: BinaryIO | None) -> Iterator[Article | IngestProblem]:
    try:
        yield from _file_records(name, stdin)
    except IngestError as exc:
        yield IngestProblem(exc.source, exc.line, exc.reason)
    except (EOFError, gzip.BadGzipFile, zlib.error):
        yield IngestProblem(name, None, "the gzip data is truncated or corrupt; re-download or re-compress it")
    except PermissionError:
        yield IngestProblem(name, None, "permission denied")
    except IsADirectoryError:
        yield IngestProblem(name, None, "is a directory")
    except OSError as exc:
        yield IngestProblem(name, None, exc.strerror or str(exc))


def read_articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    on_problem: ProblemHandler | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Article]:
    """Stream the articles of every input; each skipped record goes to ``on_problem`` instead.

    Raises :class:`IngestError` before reading anything if a path does not exist.
    """
    for name in check_inputs(paths):
        for file in iter_input_files(name):
            for item in _safe_file_records(file, stdin):
                if isinstance(item, Article):
                    yield item
                elif on_problem is not None:
                    on_problem(item)


def _count_lines(name: str) -> int | None:
    try:
        with _open_binary(name, None) as stream:
            head = stream.peek(_HEAD)[:_HEAD]
            kind = _format_of(name, head)
            if kind in ("page", "html"):
                return 1
            if kind != "jsonl":
                return None
            return sum(1 for line in stream if line.strip())
    except (OSError, EOFError, zlib.error):
        return None


def count_records(paths: Iterable[str]) -> int | None:
    """How many records the inputs hold, for a progress bar; None when it cannot be known cheaply."""
    total = 0
    for name in paths:
        if name == STDIN:
            return None
        for file in iter_input_files(name):
            count = _count_lines(file)
            if count is None:
                return None
            total += count
    return total

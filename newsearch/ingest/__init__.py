"""Ingestion: files, directories and stdin in; clean :class:`~newsearch.models.Article` values out."""

from .dates import VIETNAM_TZ, parse_datetime
from .htmlpage import article_from_html
from .rawpage import RawPage, parse_raw_page
from .records import RecordError, article_from_page, article_from_record, derive_id
from .sources import STDIN, check_inputs, iter_input_files, read_articles

__all__ = [
    "VIETNAM_TZ",
    "parse_datetime",
    "RawPage",
    "parse_raw_page",
    "article_from_html",
    "RecordError",
    "article_from_page",
    "article_from_record",
    "derive_id",
    "STDIN",
    "check_inputs",
    "iter_input_files",
    "read_articles",
]

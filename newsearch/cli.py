"""The ``newsearch`` command: a thin layer over the library.

Exit codes: 0 results (or success), 1 no results, 2 error. Data goes to stdout, messages to stderr;
an error is one line saying what went wrong and what to do, never a traceback.
"""

from __future__ import annotations

import os
import sys
import time
import tomllib
from dataclasses import dataclass
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Iterable, Iterator, Optional

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from . import __version__
from .backend import Store, StoreWriter
from .errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IngestError,
    NewsearchError,
    QueryError,
    SchemaVersionError,
)
from .index import Index, create_index, index_exists, open_index
from .meili.client import MeiliError, MeiliUnavailableError
from .runners import DaskError
from .ingest import check_inputs, read_articles
from .ingest.sources import count_records
from .models import IndexReport, IngestProblem, SearchResults
from .pipeline import default_workers
from .query import parse_date_bound, parse_query, with_dates
from .render.jsonout import to_json, to_json_lines
from .render.terminal import render_article, render_results, render_stats
from .schema import FACET_KINDS
from .search import SORTS, Searcher

app = typer.Typer(
    name="newsearch",
    help="Full-text search for Vietnamese news: index articles, then search them with or without accents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DEFAULT_INDEX = "index"
SAMPLE_CORPUS = "sample_corpus"
EXIT_OK, EXIT_NO_HITS, EXIT_ERROR = 0, 1, 2
MAX_PROBLEMS_SHOWN = 20
COMMIT_EVERY = 20000  # articles: an interrupted run keeps what was committed; re-running completes it

IndexOption = Annotated[
    Path,
    typer.Option("--index", "-i", envvar="NEWSEARCH_INDEX", help="Index directory.", show_default=True),
]
BACKENDS = ("whoosh", "meilisearch")
BackendOption = Annotated[Optional[str], typer.Option(
    "--backend", envvar="NEWSEARCH_BACKEND", help="whoosh (embedded, default) or meilisearch (see --meili).")]
MeiliOption = Annotated[Optional[str], typer.Option(
    "--meili", envvar="NEWSEARCH_MEILI", metavar="URL[,URL...]",
    help="Meilisearch shards, comma-separated; replicas of a shard joined by |. Key: $NEWSEARCH_MEILI_KEY.")]
MeiliIndexOption = Annotated[Optional[str], typer.Option(
    "--meili-index", envvar="NEWSEARCH_MEILI_INDEX", help="Index name on the Meilisearch instances (default: newsearch).")]
ConfigOption = Annotated[Optional[Path], typer.Option(
    "--config", envvar="NEWSEARCH_CONFIG", help="A TOML file with backend, meili and meili_index (options win over it).")]


@dataclass(frozen=True)
class Target:
    """Which index a command works on: a directory (embedded Whoosh) or Meilisearch shards."""

    index: Path
    backend: str = "whoosh"
    meili: str | None = None
    meili_index: str = "newsearch"

    @property
    def embedded(self) -> bool:
        return self.backend == "whoosh"


def make_target(index: Path, backend: Optional[str] = None, meili: Optional[str] = None,
                meili_index: Optional[str] = None, config: Optional[Path] = None) -> Target:
    """The command's target from its options, falling back on the config file."""
    settings = _read_config(config) if config else {}
    chosen = (backend or settings.get("backend") or ("meilisearch" if meili else "whoosh")).lower()
    if chosen not in BACKENDS:
        raise NewsearchError(f"unknown backend '{chosen}'; use one of: {', '.join(BACKENDS)}")
    shards = meili or settings.get("meili")
    if isinstance(shards, list):
        shards = ",".join(shards)
    if chosen == "meilisearch" and not shards:
        raise NewsearchError("--backend meilisearch needs the shards: --meili http://HOST:PORT[,http://HOST2:PORT...]")
    return Target(index, chosen, shards, meili_index or settings.get("meili_index") or "newsearch")


def _target(index: Path, backend: Optional[str], meili: Optional[str], meili_index: Optional[str],
            config: Optional[Path]) -> Target:
    with errors(index):
        return make_target(index, backend, meili, meili_index, config)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise NewsearchError(f"the config file '{path}' is not valid TOML ({exc})") from None
    except FileNotFoundError:
        raise NewsearchError(f"no config file at '{path}'") from None


def _embedded_target(target: Target, refusal: str, hint: str) -> Target:
    """The target of a command that works on the embedded index's files only."""
    if not target.embedded:
        raise fail(refusal, hint)
    return target


def open_target(target: Target, *, create: bool = False, rebuild: bool = False) -> Store:
    """Open (or create) the target's index: an :class:`Index` or a :class:`MeiliIndex`."""
    if target.embedded:
        if rebuild or (create and not index_exists(target.index)):
            return create_index(target.index, overwrite=rebuild)
        return open_index(target.index)
    from .meili import open_meilisearch

    assert target.meili is not None
    if rebuild:
        open_meilisearch(target.meili, target.meili_index, create=True).drop()
    return open_meilisearch(target.meili, target.meili_index, create=create or rebuild)


def _plain(stream: object) -> bool:
    return "NO_COLOR" in os.environ or not getattr(stream, "isatty", lambda: False)()


def stdout_console() -> Console:
    plain = _plain(sys.stdout)
    return Console(highlight=False, no_color=plain, emoji=False, force_terminal=False if plain else None)


def stderr_console() -> Console:
    plain = _plain(sys.stderr)
    return Console(stderr=True, highlight=False, no_color=plain, emoji=False, force_terminal=False if plain else None)


def fail(message: str, hint: str = "") -> typer.Exit:
    """Print one error line on stderr and return the exception that exits with code 2."""
    text = f"error: {message}" + (f" — {hint}" if hint else "")
    stderr_console().print(text, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_ERROR)


def _hint(exc: NewsearchError, index: "Path | Target | None") -> str:
    target = index if isinstance(index, Target) else Target(index or Path(DEFAULT_INDEX))
    where = f"--index {target.index}" if target.embedded else f"--backend meilisearch --meili {target.meili}"
    if isinstance(exc, MeiliUnavailableError):
        return "start the Meilisearch instances or fix --meili (README: Scaling out)"
    if isinstance(exc, MeiliError) and exc.code in ("invalid_api_key", "missing_authorization_header"):
        return "set NEWSEARCH_MEILI_KEY to the instances' key (README: Scaling out)"
    if isinstance(exc, (DaskError, MeiliError)):
        return ""
    if isinstance(exc, IndexNotFoundError):
        return f"run `newsearch index PATH... {where}` first"
    if isinstance(exc, SchemaVersionError):
        return f"rebuild it: `newsearch index SOURCES... {where} --rebuild`"
    if isinstance(exc, IndexCorruptError):
        return f"rebuild it from the sources: `newsearch index SOURCES... {where} --rebuild`"
    if isinstance(exc, IndexLockedError):
        return "wait for the other indexer to finish, or pass --wait SECONDS"
    if isinstance(exc, QueryError):
        return "see `newsearch search --help` for the query syntax"
    if isinstance(exc, ArticleNotFoundError):
        return "ids are shown in search results (`id …`)"
    if isinstance(exc, IngestError):
        return "check the path and the file's format (JSON Lines, JSON, CSV, an HTML or plain-text page; UTF-8)"
    return ""


@contextmanager
def errors(index: "Path | Target | None" = None) -> Iterator[None]:
    """The one error boundary of each command."""
    try:
        yield
    except NewsearchError as exc:
        raise fail(str(exc), _hint(exc, index)) from None
    except PermissionError as exc:
        raise fail(f"permission denied: '{exc.filename}'", "check the directory's permissions or choose another --index") from None
    except OSError as exc:
        where = f": '{exc.filename}'" if exc.filename else ""
        raise fail(f"{exc.strerror or exc}{where}", "check the path and the free disk space") from None
    except KeyboardInterrupt:
        stderr_console().print("interrupted", markup=False)
        raise typer.Exit(130) from None


# ---------------------------------------------------------------------------------------- index


class RateColumn(ProgressColumn):
    """Articles per second (blank until rich has measured a speed)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:>5.0f}/s" if task.speed else "     /s")


def _progress(err: Console, total: int | None) -> Progress:
    counter = MofNCompleteColumn() if total else TextColumn("{task.completed} articles")
    columns = [TextColumn("{task.description}"), BarColumn(), counter, RateColumn(), TimeElapsedColumn()]
    if total:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=err, disable=not err.is_terminal, transient=True)


def _report_problems(err: Console, problems: list[IngestProblem]) -> None:
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        err.print(f"skipped {problem}", markup=False, highlight=False, soft_wrap=True)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        err.print(f"… and {len(problems) - MAX_PROBLEMS_SHOWN} more skipped records", markup=False)


def _open_writer(ix: Store, err: Console, wait: float) -> StoreWriter:
    """The index's writer; if another indexer holds it, say so and wait up to ``wait`` seconds."""
    try:
        return ix.writer()
    except IndexLockedError:
        if wait <= 0:
            raise
        err.print(f"another indexer is writing to {ix.path}; waiting up to {wait:g} s for it (--wait)",
                  markup=False, highlight=False, soft_wrap=True)
        return ix.writer(wait=wait)


def run_indexing(
    ix: Store, sources: list[str], err: Console, *, wait: float, workers: int | None = None,
    commit_every: int = COMMIT_EVERY, dask: str | None = None,
) -> IndexReport:
    """Index every source into ``ix`` with a progress bar; print problems and a summary on stderr."""
    problems: list[IngestProblem] = []
    articles = read_articles(sources, on_problem=problems.append, stdin=sys.stdin.buffer)
    total = count_records(sources)
    started = time.perf_counter()
    writer = _open_writer(ix, err, wait)
    with _progress(err, total) as progress:
        task = progress.add_task("indexing", total=total)
        with writer:
            report = writer.add_many(
                articles,
                progress=lambda n: progress.update(task, completed=n),
                workers=default_workers() if workers is None else workers,
                commit_every=commit_every,
                dask=dask,
            )
            progress.update(task, description="committing")
    report.problems, report.skipped = problems, len(problems)
    report.seconds = time.perf_counter() - started
    _report_problems(err, problems)
    done = report.added + report.replaced
    rate = done / report.seconds if report.seconds else 0.0
    err.print(
        f"indexed {done:,} articles into {ix.path}: {report.added:,} added, {report.replaced:,} replaced, "
        f"{report.skipped:,} skipped in {report.seconds:.1f} s ({rate:.0f}/s); {ix.doc_count():,} in the index",
        markup=False, highlight=False, soft_wrap=True,
    )
    if done == 0 and problems:
        raise fail(f"nothing was indexed: {problems[0]}", "fix the input and run the same command again")
    return report


@app.command("index")
def index_command(
    sources: Annotated[list[str], typer.Argument(help="Files or directories (.jsonl, .json, .csv, .tsv, .html, .txt, any of them .gz), or - for stdin.")],
    index: IndexOption = Path(DEFAULT_INDEX),
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Delete the index first and build it anew.")] = False,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for another indexer to finish.")] = 10.0,
    workers: Annotated[Optional[int], typer.Option("--workers", min=0, help="Analysis processes (default: one per core; 0: none).")] = None,
    commit_every: Annotated[int, typer.Option("--commit-every", min=1, help="Commit after every N articles (an interrupted run keeps them).")] = COMMIT_EVERY,
    dask: Annotated[Optional[str], typer.Option("--dask", metavar="tcp://HOST:8786", help="Run the analysis on this Dask scheduler's cluster (pip install 'newsearch[dask]').")] = None,
    optimize: Annotated[bool, typer.Option("--optimize", help="Then merge the index into one segment (as `newsearch optimize`).")] = False,
    backend: BackendOption = None,
    meili: MeiliOption = None,
    meili_index: MeiliIndexOption = None,
    config: ConfigOption = None,
) -> None:
    """Add articles to the index (an article whose id is already there is replaced)."""
    err = stderr_console()
    target = _target(index, backend, meili, meili_index, config)
    if optimize and not target.embedded:
        raise fail(OPTIMIZE_EMBEDDED_ONLY, "leave out --optimize")
    with errors(target):
        check_inputs(sources)
        with open_target(target, create=True, rebuild=rebuild) as ix:
            run_indexing(ix, sources, err, wait=wait, workers=workers, commit_every=commit_every, dask=dask)
            if optimize:
                run_optimize(ix, err, wait=wait)


OPTIMIZE_EMBEDDED_ONLY = "optimize merges the embedded index's segments; Meilisearch manages its own storage"


def run_optimize(ix: Index, err: Console, *, wait: float) -> None:
    """Merge the index into one segment and say what was done on stderr."""
    started = time.perf_counter()
    with err.status("merging segments …"):
        before = ix.optimize(wait=wait)
    done = f"{before} segments merged into 1" if before > 1 else "in one segment already"
    err.print(f"optimized {ix.path}: {ix.doc_count():,} articles, {done} ({time.perf_counter() - started:.1f} s)",
              markup=False, highlight=False, soft_wrap=True)


@app.command("optimize")
def optimize_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for an indexer to finish.")] = 10.0,
    backend: BackendOption = None,
    meili: MeiliOption = None,
    meili_index: MeiliIndexOption = None,
    config: ConfigOption = None,
) -> None:
    """Merge the index into one segment: queries get faster after a bulk load (searches go on meanwhile)."""
    target = _embedded_target(_target(index, backend, meili, meili_index, config), OPTIMIZE_EMBEDDED_ONLY,
                              "nothing to do for --backend meilisearch")
    with errors(target):
        with open_target(target) as ix:
            run_optimize(ix, stderr_console(), wait=wait)


# ---------------------------------------------------------------------------------------- search


def _open_for_search(target: Target) -> Store:
    """Open the index; on first use with the defaults, build it from the bundled sample corpus."""
    index = target.index
    if not target.embedded:
        return open_target(target)
    if not index_exists(index) and str(index) == DEFAULT_INDEX and Path(SAMPLE_CORPUS).is_dir():
        err = stderr_console()
        err.print(f"no index at '{index}' yet: building it from {SAMPLE_CORPUS}/ (first run only)", markup=False)
        with create_index(index) as ix:
            run_indexing(ix, [SAMPLE_CORPUS], err, wait=10.0)
    return open_index(index)


def _parse_date_option(value: Optional[str], *, end: bool, name: str) -> Optional[datetime]:
    if value is None:
        return None
    try:
        return parse_date_bound(value, end=end)
    except QueryError as exc:
        raise QueryError(f"{name} {exc}") from None


def parse_facets(value: Optional[str]) -> tuple[str, ...]:
    """"entity,month" → ("entity", "month"), checked against the known kinds."""
    if not value:
        return ()
    kinds = tuple(dict.fromkeys(k.strip().lower() for k in value.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in FACET_KINDS]
    if unknown:
        raise QueryError(f"unknown facet '{unknown[0]}' in --facets; use any of: {', '.join(FACET_KINDS)}")
    return kinds


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help='The query, e.g. "trí tuệ nhân tạo", tri tue, "giá vàng" -USD, entity:"Hà Nội"; - reads one query per line from stdin (JSON Lines out).')],
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Hits per page.")] = 10,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many hits.")] = 0,
    sort: Annotated[str, typer.Option("--sort", help="relevance or date (newest first).")] = "relevance",
    since: Annotated[Optional[str], typer.Option("--since", help="Only articles published on or after this date.")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Only articles published on or before this date.")] = None,
    facets: Annotated[Optional[str], typer.Option("--facets", help="Count over all hits: any of entity,category,source,month.")] = None,
    no_collapse: Annotated[bool, typer.Option("--no-collapse", help="Show near-duplicate articles as separate hits.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON line per hit on stdout.")] = False,
    backend: BackendOption = None,
    meili: MeiliOption = None,
    meili_index: MeiliIndexOption = None,
    config: ConfigOption = None,
) -> None:
    """Search the index. Exit code 0 with hits, 1 without, 2 on error."""
    target = _target(index, backend, meili, meili_index, config)
    with errors(target):
        if sort not in SORTS:
            raise QueryError(f"unknown sort '{sort}'; use one of: {', '.join(SORTS)}")
        dates = (_parse_date_option(since, end=False, name="--since"), _parse_date_option(until, end=True, name="--until"))
        options = {"limit": limit, "offset": offset, "sort": sort, "collapse": not no_collapse, "facets": parse_facets(facets)}
        if query == "-":
            with _open_for_search(target) as ix, ix.searcher() as searcher:
                run_query_stream(searcher, sys.stdin, dates, options)
            return
        parsed = with_dates(parse_query(query), *dates)
        if parsed.is_empty and not parsed.excluded:
            raise QueryError("the query is empty")
        with _open_for_search(target) as ix, ix.searcher() as searcher:
            results = searcher.search(parsed, **options)
    _print_results(results, as_json=as_json, as_jsonl=as_jsonl)
    if results.total == 0:
        raise typer.Exit(EXIT_NO_HITS)


def _print_results(results: SearchResults, *, as_json: bool, as_jsonl: bool) -> None:
    if as_json:
        sys.stdout.buffer.write(to_json(results) + b"\n")
    elif as_jsonl:
        for line in to_json_lines(results):
            sys.stdout.buffer.write(line)
    else:
        out = stdout_console()
        out.print(render_results(results, plain=_plain(sys.stdout)), soft_wrap=_plain(sys.stdout))
    sys.stdout.flush()
    if not as_json and not as_jsonl:
        err = stderr_console()
        for warning in results.warnings:
            err.print(f"note: {warning}", markup=False, highlight=False)


def run_query_stream(searcher: Searcher, lines: Iterable[str], dates: tuple[Optional[datetime], Optional[datetime]], options: dict) -> None:
    """One JSON object per input line: the results, or {"query", "error"} for a bad query."""
    out = sys.stdout.buffer
    for line in lines:
        text = line.strip()
        if not text:
            continue
        try:
            parsed = with_dates(parse_query(text), *dates)
            out.write(to_json(searcher.search(parsed, **options)) + b"\n")
        except QueryError as exc:
            out.write(to_json({"query": text, "error": str(exc)}) + b"\n")
        out.flush()


@app.command("related")
def related_command(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article id, as shown in results.")],
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="How many related articles.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    backend: BackendOption = None,
    meili: MeiliOption = None,
    meili_index: MeiliIndexOption = None,
    config: ConfigOption = None,
) -> None:
    """The articles most similar to one article (its near-duplicates excluded)."""
    target = _target(index, backend, meili, meili_index, config)
    with errors(target), open_target(target) as ix, ix.searcher() as searcher:
        results = searcher.related(article_id, limit=limit)
    _print_results(results, as_json=as_json, as_jsonl=False)
    if results.total == 0:
        raise typer.Exit(EXIT_NO_HITS)


@app.command("shell")
def shell_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="Hits per page.")] = 10,
    backend: BackendOption = None,
    meili: MeiliOption = None,
    meili_index: MeiliIndexOption = None,
    config: ConfigOption = None,
) -> None:
    """Interactive search: type a query; :help lists the commands."""
    from .shell import Shell

    target = _target(index, backend, meili, meili_index, config)
    with errors(target), _open_for_search(target) as ix, ix.searcher() as searcher:
        code = Shell(ix, searcher, stdout_console(), page_size=limit, plain=_plain(sys.stdout)).run(sys.stdin)
    raise typer.Exit(code)


# ---------------------------------------------------------------------------------------- show, stats


@app.command("show")
def show_command(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article id, as shown in results.")],
    index: IndexOption = Path(DEFAULT_INDEX),
    as_json: Annotated[bool, typer.Option("--json", help="The article as JSON.")] = False,
    backend: BackendOption = None,
    meili: MeiliOption = None,
    meili_index: MeiliIndexOption = None,
    config: ConfigOption = None,
) -> None:
    """Show one whole article."""
    target = _target(index, backend, meili, meili_index, config)
    with errors(target), open_target(target) as ix:
        article = ix.get(article_id)
    if as_json:
        sys.stdout.buffer.write(to_json(article) + b"\n")
    else:
        stdout_console().print(render_article(article, plain=_plain(sys.stdout)), soft_wrap=_plain(sys.stdout))


@app.command("stats")
def stats_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    as_json: Annotated[bool, typer.Option("--json", help="The statistics as JSON.")] = False,
    backend: BackendOption = None,
    meili: MeiliOption = None,
    meili_index: MeiliIndexOption = None,
    config: ConfigOption = None,
) -> None:
    """What the index holds: articles, size, dates, categories, sources."""
    target = _target(index, backend, meili, meili_index, config)
    with errors(target), open_target(target) as ix:
        stats = ix.stats()
    if as_json:
        sys.stdout.buffer.write(to_json(stats) + b"\n")
    else:
        stdout_console().print(render_stats(stats, plain=_plain(sys.stdout)))


@app.command("check")
def check_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    backend: BackendOption = None,
    meili: MeiliOption = None,
    meili_index: MeiliIndexOption = None,
    config: ConfigOption = None,
) -> None:
    """Read the whole index and report whether it is sound (exit 0) or damaged (exit 2)."""
    from .check import check_index

    _embedded_target(_target(index, backend, meili, meili_index, config),
                     "check reads the embedded index's files; Meilisearch checks its own storage",
                     "use `newsearch stats --backend meilisearch` to see what each shard holds")
    report = check_index(index)
    err = stderr_console()
    for note in report.notes:
        err.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    if not report.ok:
        for problem in report.problems[:-1]:
            err.print(f"problem: {problem}", markup=False, highlight=False, soft_wrap=True)
        hint = (f"rebuild it from the sources: `newsearch index SOURCES... --index {index} --rebuild`"
                if index_exists(index) else f"run `newsearch index PATH... --index {index}` first")
        raise fail(report.problems[-1], hint)
    print(f"{report.path}: OK, {report.articles:,} articles in {report.segments} segment(s)")


def _version_callback(value: bool) -> None:
    if value:
        print(f"newsearch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Full-text search for Vietnamese news."""


def main() -> None:
    """Console-script entry point: the last line of defence against tracebacks."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except Exception as exc:  # noqa: BLE001 - a user must never see a traceback
        if os.environ.get("NEWSEARCH_DEBUG"):
            raise
        message = f"error: unexpected {type(exc).__name__}: {exc} — please report it (NEWSEARCH_DEBUG=1 shows details)"
        print(message, file=sys.stderr)
        sys.exit(EXIT_ERROR)

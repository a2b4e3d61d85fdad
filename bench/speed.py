"""Speed benchmark: indexing and query latency of newsearch and two peers on the baomoi corpus.

    python bench/speed.py                          # 3,544 and 35,440 articles, all systems
    python bench/speed.py --sizes 3544,35440,354400  # add the 350k growth point (≈ 10× the time)
    python bench/speed.py --systems newsearch --sizes 35440 --json speed.json
    python bench/speed.py --systems newsearch --sizes 35440 --queries-only --incremental-size 35440  # no rebuild
    python bench/speed.py --systems newsearch --sizes 35440 --backend whoosh,meilisearch --shards 1,2 --dask local

Indexing runs each system in a child process on a gzip JSON Lines file of N articles (the corpus ten
times over with new ids beyond 35,440, written once into --workdir, not timed): wall time, articles/s,
CPU time and peak RSS of the whole process tree (sampled from /proc every 0.2 s), index size on disk.
newsearch is indexed end to end with its CLI (`newsearch index FILE`), the way a user does it.

Queries, on each built index: 300 short queries (1–4 syllables cut from titles, as typed in a search
box) and 300 full titles, chosen with a fixed seed; median and p95 latency per query, warm, newsearch
with snippets; and "cold": a fresh process opening the index and answering its first query.

Incremental (newsearch, at --incremental-size, 35,440 by default): 1,000 new articles added to a
copy of the built index against the same 1,000 into an empty one; deleting one article by id (open
a writer, delete, commit); then 20 more runs of 250 new articles (a feed adding news as it comes:
each run writes its own segments and commits merge small ones), query latency on that index, then
`newsearch optimize` (one segment) of a copy, and the latency of both, measured alternately three
times (medians): the price of not optimising.

--backend meilisearch adds newsearch on Meilisearch shards (local instances started here from the
pinned package, or --meili URLs); their processes' CPU and memory count with the indexer's, and
the index size is their database size. --dask local analyses the Meilisearch rows on a Dask
LocalCluster (its workers count too), --dask tcp://HOST:8786 on yours; the embedded index keeps
its local worker processes, as the baseline.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_DATA = ROOT.parent / "shared" / "data"
CORPUS = "baomoi-35k.jsonl.gz"
SYSTEMS = ("newsearch", "sqlite-fts5", "whoosh-standard")


# ------------------------------------------------------------------------------------ inputs


def corpus_file(data: Path, size: int, workdir: Path) -> Path:
    """A .jsonl.gz of ``size`` articles: the corpus repeated with new ids as often as needed."""
    target = workdir / f"baomoi-{size}.jsonl.gz"
    if target.exists():
        return target
    partial = target.with_suffix(".partial")
    written = 0
    with gzip.open(partial, "wt", encoding="utf-8") as out:
        copy = 0
        while written < size:
            with gzip.open(data / CORPUS, "rt", encoding="utf-8") as source:
                for line in source:
                    if written >= size:
                        break
                    record = json.loads(line)
                    if copy:
                        record["id"] = f"{record['id']}-copy{copy}"
                        record["url"] = f"{record.get('url', '')}#copy{copy}"
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    written += 1
            copy += 1
    partial.rename(target)
    return target


def queries(data: Path, count: int, seed: int) -> tuple[list[str], list[str]]:
    """(short, full-title) queries from the corpus titles, with a fixed seed."""
    with gzip.open(data / CORPUS, "rt", encoding="utf-8") as source:
        titles = [t for t in (json.loads(line).get("title", "").strip() for line in source) if t]
    rng = random.Random(seed)
    full = rng.sample(titles, count)
    short = []
    for title in rng.sample(titles, count):
        words = re.findall(r"[^\W\d_]+", title)
        length = rng.randint(1, min(4, len(words))) if words else 0
        start = rng.randint(0, len(words) - length) if words else 0
        short.append(" ".join(words[start : start + length]) or title)
    return short, full


# ------------------------------------------------------------------------------------ measuring a child


def _anon_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree_rss(root: int) -> tuple[int, int]:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc): all of it,
    and the anonymous part alone (without the index files' pages that the kernel can drop)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid and p not in tree]
        tree.update(children)
        frontier += children
    return sum(rss.get(p, 0) for p in tree), sum(_anon_kb(p) for p in tree) * 1024


def _cpu_s(pid: int) -> float:
    """CPU seconds of a process and its waited-for children (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def run_measured(command: list[str], companions: tuple[int, ...] = ()) -> dict[str, float]:
    """Run a command; its wall time, CPU time (it and every descendant) and peak tree RSS.
    ``companions`` are processes serving it (Meilisearch, Dask workers): their CPU and memory count too."""
    companion_cpu = sum(_cpu_s(pid) for pid in companions)
    before = os.times()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = peak_anon = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_anon
        while not done.is_set():
            trees = [_tree_rss(pid) for pid in (process.pid, *companions)]
            rss, anon = sum(t[0] for t in trees), sum(t[1] for t in trees)
            peak, peak_anon = max(peak, rss), max(peak_anon, anon)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    after = os.times()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {stderr.decode(errors='replace')[-500:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    cpu += sum(_cpu_s(pid) for pid in companions) - companion_cpu
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak / 2**20, "peak_anon_mb": peak_anon / 2**20}


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def build_command(system: str, source: Path, target: Path, spec: str | None = None, dask: str | None = None) -> list[str]:
    if system == "newsearch" or spec:
        command = [sys.executable, "-m", "newsearch", "index", str(source), "--index", str(target), "--rebuild"]
        if spec:
            command += ["--backend", "meilisearch", "--meili", spec, "--meili-index", meili_index_name(target)]
        return command + (["--dask", dask] if dask else [])
    return [sys.executable, __file__, "--build-peer", system, str(source), str(target)]


def meili_index_name(target: Path) -> str:
    return target.name.replace(".", "_")


def open_newsearch(target: Path, spec: str | None):
    """The index a newsearch system built: the embedded one, or its Meilisearch shards."""
    import newsearch

    if spec:
        from newsearch.meili import open_meilisearch

        return open_meilisearch(spec, meili_index_name(target))
    return newsearch.open_index(target)


def build_peer(system: str, source: Path, target: Path) -> None:
    """(child process) Stream the file into a peer system."""
    from systems import ALL_SYSTEMS, Doc

    def docs():
        with gzip.open(source, "rt", encoding="utf-8") as handle:
            for line in handle:
                r = json.loads(line)
                yield Doc(str(r["id"]), r.get("title") or "", r.get("summary") or "", r.get("body") or "")

    ALL_SYSTEMS[system]().build(docs(), target)


def first_query_command(system: str, target: Path, query: str, spec: str | None = None) -> list[str]:
    return [sys.executable, __file__, "--first-query", system, str(target), query, *([spec] if spec else [])]


def first_query(system: str, target: Path, query: str, spec: str | None = None) -> None:
    """(child process) Import, open the index, answer one query."""
    if system.startswith("newsearch"):
        with open_newsearch(target, spec) as ix:
            ix.searcher().search(query)
        return
    from systems import ALL_SYSTEMS

    peer = ALL_SYSTEMS[system]()
    peer.open(target)
    peer.search(query)


def cold_ms(system: str, target: Path, query: str, spec: str | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(first_query_command(system, target, query, spec), check=True, capture_output=True)
    return (time.perf_counter() - started) * 1000


def warm_latencies(system: str, target: Path, query_list: list[str], spec: str | None = None) -> list[float]:
    from systems import ALL_SYSTEMS

    times = []
    if system.startswith("newsearch"):
        with open_newsearch(target, spec) as ix, ix.searcher() as searcher:
            searcher.search(query_list[0])
            for q in query_list:
                started = time.perf_counter()
                searcher.search(q)  # snippets included: hits are fully materialised
                times.append((time.perf_counter() - started) * 1000)
        return times
    peer = ALL_SYSTEMS[system]()
    peer.open(target)
    peer.search(query_list[0])
    for q in query_list:
        started = time.perf_counter()
        peer.search(q)
        times.append((time.perf_counter() - started) * 1000)
    peer.close()
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


# ------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--build-peer"]:
        build_peer(argv[1], Path(argv[2]), Path(argv[3]))
        return 0
    if argv[:1] == ["--first-query"]:
        first_query(argv[1], Path(argv[2]), argv[3], argv[4] if len(argv) > 4 else None)
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", default="3544,35440", help="comma-separated corpus sizes")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".work" / "speed")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--backend", default="whoosh", help="newsearch's backends: whoosh, meilisearch or both")
    parser.add_argument("--shards", default="2", help="Meilisearch shard counts to compare, e.g. 1,2")
    parser.add_argument("--meili", help="your Meilisearch instances (comma-separated URLs; default: start local ones)")
    parser.add_argument("--dask", help="analyse on Dask: 'local' (a LocalCluster started here) or tcp://HOST:8786")
    parser.add_argument("--queries-only", action="store_true",
                        help="measure the queries on the indexes an earlier run left in --workdir (no indexing)")
    parser.add_argument("--incremental-size", type=int,
                        help="the corpus size at which to measure incremental additions and merging (0: never; "
                             "default 35,440, and none with --queries-only unless given)")
    args = parser.parse_args(argv)
    if args.incremental_size is None:
        args.incremental_size = 0 if args.queries_only else 35440
    if not (args.data / CORPUS).exists():
        print(f"error: {args.data / CORPUS} not found; pass --data DIR", file=sys.stderr)
        return 2
    args.workdir.mkdir(parents=True, exist_ok=True)
    from backends import LocalDask, MeiliFleet, meili_system_name

    backends = {b.strip() for b in args.backend.split(",")}
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    specs: dict[str, str] = {}
    fleet = dask = None
    try:
        if "meilisearch" in backends:
            counts = [int(n) for n in args.shards.split(",")]
            fleet = MeiliFleet(args.workdir, max(counts), args.meili)
            specs = {meili_system_name(n): fleet.spec_for(n) for n in counts}
        if "whoosh" not in backends:
            systems = [s for s in systems if s != "newsearch"]
        systems = [*(["newsearch"] if "newsearch" in systems else []), *specs, *(s for s in systems if s != "newsearch")]
        if args.dask == "local":
            dask = LocalDask(os.cpu_count() or 1)
        address = dask.address if dask else args.dask
        companions = (*(fleet.pids if fleet else ()), *(dask.pids if dask else ()))
        rows = _run(args, systems, specs, address, companions, fleet)
    finally:
        if dask is not None:
            dask.close()
        if fleet is not None:
            fleet.close()
    print(format_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


def _meili_size_mb(spec: str) -> float:
    from newsearch.meili import MeiliCluster

    cluster = MeiliCluster.from_spec(spec)
    try:
        return sum(int(c.request("GET", "/stats").get("databaseSize", 0)) for s in cluster.shards for c in s.replicas) / 2**20
    finally:
        cluster.close()


def _drop_other_indexes(spec: str) -> None:
    """Leave only the index about to be built on the instances, so their size is its size."""
    from newsearch.meili import MeiliCluster

    cluster = MeiliCluster.from_spec(spec)
    try:
        for shard in cluster.shards:
            for client in shard.replicas:
                for index in client.request("GET", "/indexes?limit=1000").get("results", []):
                    client.wait_for_task(client.request("DELETE", f"/indexes/{index['uid']}")["taskUid"])
    finally:
        cluster.close()


def _run(args: argparse.Namespace, systems: list[str], specs: dict[str, str], dask: str | None,
         companions: tuple[int, ...], fleet) -> list[dict]:
    short, full = queries(args.data, args.queries, args.seed)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        source = corpus_file(args.data, size, args.workdir)
        for system in systems:
            target = args.workdir / f"{system}-{size}"
            spec = specs.get(system)
            analysis = dask if spec else None  # the embedded index stays the baseline: local worker processes
            if args.queries_only:
                if spec or not target.exists():
                    raise SystemExit(f"error: no {system} index of {size:,} articles in {args.workdir}; "
                                     "build it with a run without --queries-only")
                built = dict.fromkeys(("wall_s", "cpu_s", "peak_rss_mb", "peak_anon_mb"))
            else:
                shutil.rmtree(target, ignore_errors=True)
                if spec and fleet is not None and fleet.pids:
                    _drop_other_indexes(fleet.spec_for(len(fleet.urls)))
                print(f"{system}: indexing {size:,} articles …", file=sys.stderr, flush=True)
                built = run_measured(build_command(system, source, target, spec, analysis),
                                     companions if spec else ())
            row = {"system": system + ("+dask" if analysis else ""), "size": size, **built,
                   "articles_per_s": size / built["wall_s"] if built["wall_s"] else None,
                   "index_mb": _meili_size_mb(spec) if spec else dir_size_mb(target),
                   "cold_first_query_ms": cold_ms(system, target, short[0], spec)}
            row.update(latency_figures(system, target, short, full, spec))
            if system == "newsearch" and size == args.incremental_size:
                row["incremental"] = incremental(args.data, target, args.workdir, short, full)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def latency_figures(system: str, target: Path, short: list[str], full: list[str], spec: str | None = None) -> dict[str, float]:
    figures = {}
    for name, query_list in (("short", short), ("title", full)):
        times = warm_latencies(system, target, query_list, spec)
        figures[f"{name}_p50_ms"] = statistics.median(times)
        figures[f"{name}_p95_ms"] = p95(times)
    return figures


def new_articles(data: Path, workdir: Path, name: str, start: int, count: int) -> Path:
    """``count`` corpus articles from ``start`` on, with ids no index has (``-new`` suffix)."""
    target = workdir / f"{name}.jsonl.gz"
    with gzip.open(data / CORPUS, "rt", encoding="utf-8") as source, gzip.open(target, "wt", encoding="utf-8") as out:
        for line in itertools.islice(source, start, start + count):
            record = json.loads(line)
            record["id"] = f"{record['id']}-new"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target


def index_into(source: Path, target: Path) -> float:
    """Wall seconds of `newsearch index SOURCE --index TARGET` (a new process, as a user runs it)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsearch", "index", str(source), "--index", str(target)],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def segment_count(target: Path) -> int:
    import newsearch

    with newsearch.open_index(target) as ix:
        return len(ix.whoosh()._segments())  # noqa: SLF001


LATENCY_ROUNDS = 3  # merged and optimised indexes measured alternately, medians reported


def incremental(data: Path, built: Path, workdir: Path, short: list[str], full: list[str],
                runs: int = 20, per_run: int = 250) -> dict:
    """Additions to a built index, deletion by id, and latency after many runs against optimised."""
    import newsearch

    copy, empty = workdir / "incremental", workdir / "incremental-empty"
    for path in (copy, empty):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(built, copy)
    print("newsearch: incremental additions …", file=sys.stderr, flush=True)
    thousand = new_articles(data, workdir, "new-1000", 0, 1000)
    figures = {"add_1000_to_built_s": index_into(thousand, copy), "add_1000_to_empty_s": index_into(thousand, empty)}
    with gzip.open(thousand, "rt", encoding="utf-8") as handle:
        first_id = json.loads(handle.readline())["id"]
    with newsearch.open_index(copy) as ix:
        started = time.perf_counter()
        with ix.writer() as writer:
            deleted = writer.delete(first_id)
        figures["delete_one_ms"] = (time.perf_counter() - started) * 1000
        assert deleted
    started = time.perf_counter()
    for n in range(runs):
        index_into(new_articles(data, workdir, "new-run", 1000 + n * per_run, per_run), copy)
    figures["runs"], figures["per_run"] = runs, per_run
    figures["runs_s"] = time.perf_counter() - started
    figures["segments"] = segment_count(copy)
    merged = workdir / "incremental-merged"  # kept as it is, to be measured beside the optimised one
    shutil.rmtree(merged, ignore_errors=True)
    shutil.copytree(copy, merged)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsearch", "optimize", "--index", str(copy)], check=True, capture_output=True)
    figures["optimize_s"] = time.perf_counter() - started
    # A single pass of each, minutes apart, compares the machine's moods as much as the indexes
    # (one run gave 0.99× and 1.31×): both are measured alternately, and each figure is the median.
    rounds = {"merged": [], "optimized": []}
    for _ in range(LATENCY_ROUNDS):
        rounds["merged"].append(latency_figures("newsearch", merged, short, full))
        rounds["optimized"].append(latency_figures("newsearch", copy, short, full))
    figures["rounds"] = rounds
    for name, measured in rounds.items():
        figures[name] = {key: statistics.median(r[key] for r in measured) for key in measured[0]}
    for path in (copy, empty, merged):
        shutil.rmtree(path, ignore_errors=True)
    return figures


def format_incremental(row: dict) -> str:
    f = row["incremental"]
    merged, optimized = f["merged"], f["optimized"]
    return "\n".join([
        f"incremental, newsearch at {row['size']:,} articles:",
        f"  1,000 new articles into the built index {f['add_1000_to_built_s']:.1f} s, into an empty index "
        f"{f['add_1000_to_empty_s']:.1f} s (ratio {f['add_1000_to_built_s'] / f['add_1000_to_empty_s']:.2f}); "
        f"delete one by id (writer, delete, commit) {f['delete_one_ms']:.0f} ms",
        f"  then {f['runs']} runs of {f['per_run']} articles: {f['runs_s']:.0f} s, {f['segments']} segment(s) left; "
        f"`newsearch optimize`: {f['optimize_s']:.0f} s",
        f"  medians of {len(f['rounds']['merged'])} rounds measured alternately on each index:"
        if "rounds" in f else "  one pass on each index:",
        f"  {'':<26} {'short p50':>9} {'short p95':>9} {'title p50':>9} {'title p95':>9}",
        *(f"  {name:<26} {v['short_p50_ms']:>9.1f} {v['short_p95_ms']:>9.1f} {v['title_p50_ms']:>9.1f} {v['title_p95_ms']:>9.1f}"
          for name, v in (("after the runs (merged)", merged), ("optimised (one segment)", optimized))),
        f"  merged / optimised: short p95 {merged['short_p95_ms'] / optimized['short_p95_ms']:.2f}×, "
        f"title p95 {merged['title_p95_ms'] / optimized['title_p95_ms']:.2f}×",
    ])


def format_table(rows: list[dict]) -> str:
    header = (f"{'system':<24} {'articles':>8} {'wall s':>7} {'art/s':>6} {'CPU s':>7} {'RSS MB':>7} {'anon MB':>7} {'size MB':>8} "
              f"{'cold ms':>8} {'short p50':>9} {'short p95':>9} {'title p50':>9} {'title p95':>9}")
    lines = [header]
    for r in rows:
        lines.append(
            f"{r['system']:<24} {r['size']:>8,} {_cell(r['wall_s'], 7, '.0f')} {_cell(r['articles_per_s'], 6, '.0f')} "
            f"{_cell(r['cpu_s'], 7, '.0f')} {_cell(r['peak_rss_mb'], 7, '.0f')} {_cell(r.get('peak_anon_mb', 0), 7, '.0f')} "
            f"{r['index_mb']:>8.0f} {r['cold_first_query_ms']:>8.0f} {r['short_p50_ms']:>9.1f} "
            f"{r['short_p95_ms']:>9.1f} {r['title_p50_ms']:>9.1f} {r['title_p95_ms']:>9.1f}"
        )
    lines.append("")
    lines.append("newsearch / peer (time ratios: below 1 = newsearch faster):")
    for r in rows:
        if r["system"] == "newsearch":
            continue
        mine = next((m for m in rows if m["system"] == "newsearch" and m["size"] == r["size"]), None)
        if mine:
            lines.append(
                f"  vs {r['system']:<16} {r['size']:>8,}: indexing {_ratio(mine, r, 'wall_s', '.2f')}, "
                f"short p95 {mine['short_p95_ms'] / r['short_p95_ms']:.2f}×, title p95 {mine['title_p95_ms'] / r['title_p95_ms']:.2f}×"
            )
    lines += [format_incremental(r) for r in rows if "incremental" in r]
    sizes = sorted({r["size"] for r in rows})
    if len(sizes) > 1:
        lines.append("growth (largest / smallest size):")
        for system in dict.fromkeys(r["system"] for r in rows):
            first = next(r for r in rows if r["system"] == system and r["size"] == sizes[0])
            last = next(r for r in rows if r["system"] == system and r["size"] == sizes[-1])
            lines.append(
                f"  {system:<16} ×{sizes[-1] / sizes[0]:.0f} articles: indexing time {_ratio(last, first, 'wall_s')}, "
                f"short p95 {_ratio(last, first, 'short_p95_ms')}, title p95 {_ratio(last, first, 'title_p95_ms')}, "
                f"peak RSS {_ratio(last, first, 'peak_rss_mb')}"
            )
    return "\n".join(lines)


def _cell(value: float | None, width: int, spec: str) -> str:
    """A table cell; "-" for a figure not measured (indexing, with --queries-only)."""
    return f"{'-':>{width}}" if value is None else f"{value:>{width}{spec}}"


def _ratio(row: dict, other: dict, key: str, spec: str = ".1f") -> str:
    if row.get(key) is None or not other.get(key):
        return "-"
    return f"×{row[key] / other[key]:{spec}}"


if __name__ == "__main__":
    sys.exit(main())

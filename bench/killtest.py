"""Crash safety: kill -9 the indexer at random moments and check that nothing is lost or leaked.

    python bench/killtest.py                  # 20 kills over a 5,000-article run (≈ 10 minutes)
    python bench/killtest.py --kills 5 --articles 1000

The same command (`newsearch index FILE --index DIR --commit-every 250`) is started again and again
on one index and killed with SIGKILL after a random delay. After every kill:
- the index opens and `newsearch check` passes;
- it holds exactly the articles of its last commit: the input is indexed in order, so the ids must be
  a prefix of the input's ids, a multiple of the commit interval long (or the whole input);
- no lock blocks the next run (it is started at once, without --wait).
At the end the command runs to completion: every article once, no duplicates, no temporary files left.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import newsearch  # noqa: E402
from newsearch.check import check_index  # noqa: E402
from newsearch.index import stale_temp_files  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "baomoi-35k.jsonl.gz"


def make_input(corpus: Path, count: int, target: Path) -> list[str]:
    ids = []
    with gzip.open(corpus, "rt", encoding="utf-8") as source, target.open("w", encoding="utf-8") as out:
        for line in source:
            record = json.loads(line)
            out.write(line)
            ids.append(str(record["id"]))
            if len(ids) >= count:
                break
    return ids


def indexed_ids(index: Path) -> list[str]:
    with newsearch.open_index(index) as ix, ix.whoosh().searcher() as searcher:
        return [stored["id"] for stored in searcher.all_stored_fields()]


def verify(index: Path, input_ids: list[str], every: int, complete: bool = False) -> list[str]:
    """Problems found (empty when the index is as it must be)."""
    problems = []
    report = check_index(index)
    if not report.ok:
        problems += [f"check: {p}" for p in report.problems]
        return problems
    ids = indexed_ids(index)
    if len(ids) != len(set(ids)):
        problems.append(f"{len(ids) - len(set(ids))} duplicate ids")
    count = len(set(ids))
    if set(ids) != set(input_ids[:count]):
        problems.append(f"the {count} indexed ids are not the first {count} of the input")
    if count % every and count != len(input_ids):
        problems.append(f"{count} articles: not a whole number of commits of {every}")
    if complete and count != len(input_ids):
        problems.append(f"{count} of {len(input_ids)} articles after the final run")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--commit-every", type=int, default=250)
    parser.add_argument("--max-delay", type=float, default=45.0, help="kill after up to this many seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".work" / "killtest")
    args = parser.parse_args(argv)
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    source, index = args.workdir / "input.jsonl", args.workdir / "index"
    input_ids = make_input(args.corpus, args.articles, source)
    command = [sys.executable, "-m", "newsearch", "index", str(source), "--index", str(index),
               "--commit-every", str(args.commit_every)]
    rng = random.Random(args.seed)
    failures = 0
    for kill in range(1, args.kills + 1):
        delay = rng.uniform(0.5, args.max_delay)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            process.wait(timeout=delay)
            finished = True
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the indexer and its analysis workers
            process.wait()
            finished = False
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if finished and process.returncode != 0:
            print(f"kill {kill}: the run failed before the kill: {stderr.strip()[-300:]}")
            failures += 1
            continue
        problems = verify(index, input_ids, args.commit_every) if newsearch.index_exists(index) else []
        state = f"{len(set(indexed_ids(index))) if not problems and newsearch.index_exists(index) else '?'} articles"
        print(f"kill {kill:2d} after {delay:4.1f} s{' (had finished)' if finished else ''}: {state}; "
              + ("; ".join(problems) if problems else "recovered"), flush=True)
        failures += bool(problems)
    final = subprocess.run(command, capture_output=True, text=True)
    problems = [f"final run exit {final.returncode}: {final.stderr.strip()[-300:]}"] if final.returncode else []
    problems += verify(index, input_ids, args.commit_every, complete=True)
    leftovers = stale_temp_files(index)
    if leftovers:
        problems.append(f"{len(leftovers)} temporary files left")
    print(f"final run: {'; '.join(problems) if problems else f'{len(input_ids)} articles, no duplicates, no temporary files'}")
    recovered = args.kills - failures
    print(f"{recovered}/{args.kills} recoveries; final run {'OK' if not problems else 'FAILED'}")
    return 0 if recovered == args.kills and not problems else 1


if __name__ == "__main__":
    sys.exit(main())

"""HTML pages against the same articles as JSON Lines: what the extractor recovers, and its cost.

    python bench/html_pages.py                 # 2,000 baomoi articles (≈ 1 min)
    python bench/html_pages.py --count 5000 --workdir /tmp/htmlbench

Each article of the first N of baomoi is written twice: as a JSON Lines record and as a news page of
≈ 260 KB in a typical layout — a menu of 80 sections in <nav>, 200 KB of <script>, 40 KB of <style>, the
title in og:title, <title> (with " - Báo Mới") and <h1>, the summary as meta description and as a
"sapo" paragraph, the body's paragraphs in <article>, then 60 related headlines in a "related" box and
again in an <aside class="sidebar">. It reports how many pages give the same title, the same text
(lead + body) and the same URL as the JSON record, the extraction time per page, and the wall time of
`newsearch index` on each form (the CLI, as a user runs it).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import newsearch  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "baomoi-35k.jsonl.gz"
MENU = "".join(f'<li><a href="/muc-{i}">Chuyên mục {i}</a></li>' for i in range(80))
SCRIPT = "<script>" + "var a = 1;" * 10_000 + "</script>"
STYLE = "<style>" + ".x{color:red}" * 3_000 + "</style>"
RELATED = "".join(f'<li><a href="/tin-{i}.html">Tin khác số {i} về thời sự trong nước hôm nay</a></li>' for i in range(60))


def page_of(record: dict) -> str:
    title, summary, url = (html.escape(record.get(k) or "", quote=True) for k in ("title", "summary", "url"))
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in (record.get("body") or "").split("\n") if p.strip())
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title} - Báo Mới</title>'
        f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
        f'<meta name="description" content="{summary}"><link rel="canonical" href="{url}">{STYLE}{SCRIPT}</head>'
        f'<body><header><nav><ul>{MENU}</ul></nav></header><div class="container"><div class="main"><article>'
        f'<h1>{title}</h1><p class="sapo">{summary}</p>{paragraphs}</article>'
        f'<div class="related"><ul>{RELATED}</ul></div></div><aside class="sidebar"><ul>{RELATED}</ul></aside>'
        f"</div>{SCRIPT}<footer><p>Bản quyền thuộc Báo Mới.</p></footer></body></html>"
    )


def flat(article: newsearch.Article) -> str:
    return " ".join(f"{article.lead}\n{article.body}".split())


def index_seconds(source: Path, index: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsearch", "index", str(source), "--index", str(index), "--rebuild"],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".work" / "html")
    args = parser.parse_args()
    pages, jsonl = args.workdir / "pages", args.workdir / "same.jsonl"
    pages.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.corpus, "rt", encoding="utf-8") as lines, jsonl.open("w", encoding="utf-8") as out:
        for number, line in zip(range(args.count), lines):
            record = json.loads(line)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            (pages / f"{number:06d}.html").write_text(page_of(record), encoding="utf-8")
    size = sum(p.stat().st_size for p in pages.iterdir()) / args.count
    expected = {a.url: a for a in newsearch.read_articles([jsonl])}
    start = time.perf_counter()
    extracted = list(newsearch.read_articles([pages]))
    per_page = (time.perf_counter() - start) / max(1, len(extracted)) * 1000
    same_title = sum(a.url in expected and a.title == expected[a.url].title for a in extracted)
    # the JSON record keeps the summary and the body's first paragraph apart even when the body repeats it
    same_text = sum(a.url in expected and (flat(a) == flat(expected[a.url]) or a.body == expected[a.url].body)
                    for a in extracted)
    print(f"{args.count:,} articles, pages of {size / 1000:.0f} KB on average")
    print(f"  same URL {sum(a.url in expected for a in extracted):,}, same title {same_title:,}, "
          f"same text {same_text:,} of {len(extracted):,} pages; extraction {per_page:.1f} ms a page")
    as_json = index_seconds(jsonl, args.workdir / "index-json")
    as_html = index_seconds(pages, args.workdir / "index-html")
    print(f"  newsearch index: JSON Lines {as_json:.1f} s ({args.count / as_json:.0f}/s), "
          f"HTML pages {as_html:.1f} s ({args.count / as_html:.0f}/s), ratio {as_html / as_json:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Crawl archives against the same pages as separate files, in one run (issue 16).

    .venv/bin/python bench/archives.py [--data PATH] [--sizes 1,4,10] [--files 1,4] [--rounds N]
                                       [--limit N]

Corpus: the 990 HTML pages of DATA/trafilatura-eval/html (DATA defaults to ../shared/data/dev).
For each size k, a WARC archive `crawl.warc.gz` of the pages taken k times under distinct URLs
(https://<host>/copy<i>/<page>), a request and a response record per page, one gzip member per
record as crawlers (wget --warc-file, warcio, Heritrix) write them; and, for the sizes in
--files, the same pages as separate files (c<i>/<page>.html.gz with a sidecar giving the same
URL). Each is cleaned by `cleanwire run` with the default settings (Prefect embedded, every core,
a fresh clean folder), its process tree sampled every 0.2 s (bench/throughput.py's sampler: RSS
summed over the flow process, the Prefect server and the workers).

Printed, one row a run: pages (responses), the archive's size gzipped and uncompressed, every
page accounted for (documents + duplicates + rejected = pages), records a second (pages over the
run's own seconds, from its report: Prefect's start-up excluded, the first pass over the archive
included), wall seconds, peak RSS of the tree. Then the ratios the issue sets as targets: the
archive's records a second over the separate files' at the same size (>= 0.9), and the largest
archive's peak memory over the 1x archive's (<= 1.2).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from throughput import DEFAULT_DATA, corpus_root, measure_run

# The targets of issue 16.
TARGET_RATE_RATIO = 0.9     # archive records/s over separate files' pages/s
TARGET_MEMORY_RATIO = 1.2   # peak of the largest archive over the 1x archive's


def pages(corpus: Path, limit: int | None) -> list[tuple[str, bytes]]:
    """(name, HTML bytes) of each dev page."""
    return [(p.name.removesuffix(".html.gz"), gzip.decompress(p.read_bytes()))
            for p in sorted((corpus / "html").glob("*.html.gz"))[:limit]]


def url_of(name: str, copy: int) -> str:
    return f"https://site{sum(name.encode()) % 40}.example/copy{copy}/{name}"


def write_archive(corpus: list[tuple[str, bytes]], copies: int, path: Path) -> int:
    """The WARC of `copies` copies of the pages; returns its uncompressed size."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True)
    size = 0
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for copy in range(copies):
            for name, html in corpus:
                url = url_of(name, copy)
                request = StatusAndHeaders("GET / HTTP/1.1", [("Host", url.split("/")[2])],
                                           is_http_request=True)
                writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                   ("Content-Length", str(len(html)))],
                                        protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html),
                                                              http_headers=http))
    with gzip.open(path) as f:
        while chunk := f.read(1 << 20):
            size += len(chunk)
    return size


def write_files(corpus: list[tuple[str, bytes]], copies: int, raw: Path, source: Path) -> None:
    """The same pages as separate files (hard links to the corpus) with their URL in a sidecar."""
    for copy in range(copies):
        folder = raw / f"c{copy}"
        folder.mkdir(parents=True)
        for name, _ in corpus:
            try:
                os.link(source / f"{name}.html.gz", folder / f"{name}.html.gz")
            except OSError:
                shutil.copy2(source / f"{name}.html.gz", folder / f"{name}.html.gz")
            (folder / f"{name}.json").write_text(json.dumps({"url": url_of(name, copy)}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", default="1,4,10", help="archive sizes, in copies of the pages")
    parser.add_argument("--files", default="1,4", help="sizes also run as separate files")
    parser.add_argument("--limit", type=int, help="only the first N pages (a quick check)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each row N times, interleaved; the rate is the fastest "
                             "round's (the least disturbed on a shared machine), the peak the highest")
    args = parser.parse_args(argv)
    corpus_dir = corpus_root(args.data)
    corpus = pages(corpus_dir, args.limit)
    sizes = [int(s) for s in args.sizes.split(",")]
    with_files = [int(s) for s in args.files.split(",") if s]
    work = Path(tempfile.mkdtemp(prefix="cleanwire-archives-"))
    home = work / "prefect-home"
    print(f"corpus: {len(corpus)} pages of {corpus_dir}; work folder {work}; "
          f"{os.cpu_count()} cores")
    rows = {}
    try:
        # a first run on an empty folder creates PREFECT_HOME, so that no row pays for it
        (work / "raw-empty").mkdir()
        measure_run(work / "raw-empty", work / "clean-empty", work, home, "empty")
        plan = [(f"files {k}x", k) for k in with_files] + [(f"archive {k}x", k) for k in sizes]
        plan.sort(key=lambda item: (item[1], item[0]))
        for name, k in plan * max(1, args.rounds):
            raw = work / name.replace(" ", "-")
            if name.startswith("archive"):
                size = write_archive(corpus, k, raw / "crawl.warc.gz")
                gz = (raw / "crawl.warc.gz").stat().st_size
            else:
                write_files(corpus, k, raw, corpus_dir / "html")
                size = gz = 0
            res = measure_run(raw, work / f"clean-{raw.name}", work, home, raw.name)
            rep = res["report"]
            done = rep["documents"] + rep["duplicates"] + rep["rejected"]
            res |= {"pages": len(corpus) * k, "done": done, "gz": gz, "size": size}
            shutil.rmtree(raw)
            shutil.rmtree(work / f"clean-{raw.name}")
            print(row(name, res), flush=True)
            if name in rows:  # the fastest round's rate, the highest peak of any round
                res["peak_rss_mb"] = max(res["peak_rss_mb"], rows[name]["peak_rss_mb"])
                if res["report"]["seconds"] > rows[name]["report"]["seconds"]:
                    res = rows[name] | {"peak_rss_mb": res["peak_rss_mb"]}
            rows[name] = res
        summarize(rows, sizes, with_files)
    finally:  # each archive is removed after its run: the largest is 1.4 GB uncompressed
        shutil.rmtree(work, ignore_errors=True)
    return 0


def row(name: str, r: dict) -> str:
    rate = r["done"] / r["report"]["seconds"]
    size = f"{r['gz'] / 2**20:6.0f} MB gz, {r['size'] / 2**20:5.0f} MB" if r["gz"] else " " * 23
    rejected = ", ".join(f"{k} {v}" for k, v in (r["report"]["rejected_by_reason"] or {}).items())
    return (f"{name:<12} {r['pages']:>6} pages {size}  accounted {r['done']:>6} "
            f"({r['report']['documents']} documents, {r['report']['duplicates']} duplicates, "
            f"{r['report']['rejected']} rejected{': ' + rejected if rejected else ''})  "
            f"{rate:6.1f} records/s  wall {r['seconds']:6.1f} s  peak RSS {r['peak_rss_mb']:5.0f} MB "
            f"(workers {r['peak_by_role_mb'].get('workers', 0):.0f}, "
            f"flow {r['peak_by_role_mb'].get('flow', 0):.0f})  others {r['others']:.2f} cores")


def summarize(rows: dict, sizes: list[int], with_files: list[int]) -> None:
    print("\nthe fastest round of each row:")
    for name, r in rows.items():
        print(row(name, r))
    print()
    for k in with_files:
        if f"archive {k}x" in rows:
            a, f = rows[f"archive {k}x"], rows[f"files {k}x"]
            ratio = (a["done"] / a["report"]["seconds"]) / (f["done"] / f["report"]["seconds"])
            ok = "ok" if ratio >= TARGET_RATE_RATIO else "MISSED"
            print(f"records/s archive {k}x / files {k}x: {ratio:.2f} (target >= {TARGET_RATE_RATIO}) {ok}")
    for name, r in rows.items():
        if r["done"] != r["pages"]:
            print(f"{name}: {r['pages'] - r['done']} pages NOT accounted for")
    if 1 in sizes and len(sizes) > 1:
        top = max(sizes)
        ratio = rows[f"archive {top}x"]["peak_rss_mb"] / rows["archive 1x"]["peak_rss_mb"]
        ok = "ok" if ratio <= TARGET_MEMORY_RATIO else "MISSED"
        print(f"peak RSS archive {top}x / archive 1x: {ratio:.2f} (target <= {TARGET_MEMORY_RATIO}) {ok}")


if __name__ == "__main__":
    sys.exit(main())

"""`cleanwire`: the command line.

  cleanwire run [--config cleanwire.toml] [--raw raw] [--clean clean] [--batch-size N] ...
  cleanwire explain FILE [--detail]
  cleanwire dups [CLEAN] [--json]
  cleanwire stats [CLEAN] [--json]
  cleanwire serve [--cron CRON] [--collision cancel|queue]
  cleanwire trigger [--param KEY=VALUE ...] [--no-wait]

Exit codes: 0 the run completed (rejected inputs are reported, not failures); 2 the run could not
start (bad arguments, missing raw folder); 3 another run holds the clean folder; 1 the run failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from cleaners.defaults import BATCH_SIZE
from cleaners.read import MAX_DECOMPRESSED_BYTES, MAX_FILE_BYTES
from cleaners.runner import DOC_SECONDS

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


def _prefect_env() -> None:
    """Prefect's home and database live under the project, not the user's home; set before
    Prefect is imported. The embedded server gets time to migrate a fresh database (13 s here)."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # No network here but the package registries; telemetry would only log a failure.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _summary(report: dict) -> str:
    lines = [
        f"run {report['run']}",
        f"  files seen        {report['files_seen']}",
        f"  documents written {report['documents']}",
        f"  duplicates        {report['duplicates']}"
        + "".join(f"  ({k}: {v})" for k, v in report["duplicates_by_kind"].items() if v),
        f"  unchanged         {report['unchanged']}",
        f"  rejected          {report['rejected']}",
    ]
    lines += [f"    {reason:<20} {n}" for reason, n in report["rejected_by_reason"].items()]
    if report["languages"]:
        lines.append("  languages         " + ", ".join(f"{k} {v}" for k, v in report["languages"].items()))
    lines.append(f"  time              {report['seconds']:.1f} s")
    lines += [f"  {kind:<17} {path}" for kind, path in report.get("outputs", {}).items()]
    return "\n".join(lines)


@contextmanager
def progress_display():
    """A progress bar on a terminal; plain lines, one per tenth of the inputs, otherwise."""
    from flows import ingest

    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = Progress("cleaning", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                       transient=True)
        task = bar.add_task("cleaning", total=None)

        def listener(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
    else:
        bar, shown = None, [-1]

        def listener(done: int, total: int) -> None:
            tenth = 10 * done // max(total, 1)
            if tenth != shown[0]:
                shown[0] = tenth
                print(f"progress: {done}/{total} inputs", file=sys.stderr, flush=True)

    ingest.LISTENERS.append(listener)
    try:
        if bar is not None:
            with bar:
                yield
        else:
            yield
    finally:
        ingest.LISTENERS.remove(listener)


def settings_from(args: argparse.Namespace):
    """cleanwire.toml (or --config), with the flags that were given on top."""
    from pydantic import ValidationError

    from cleaners.config import Settings, load

    try:
        base = load(args.config)
        given = {k: v for k, v in vars(args).items() if k in Settings.model_fields and v is not None}
        return Settings(**(base.model_dump() | given))
    except ValidationError as exc:
        where = args.config or "cleanwire.toml and flags"
        raise UsageError(f"bad settings ({where}): " + "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'file'}: "
            + ("no such setting" if e["type"] == "extra_forbidden"
               else e["msg"].removeprefix("Value error, "))
            for e in exc.errors())) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"bad settings ({args.config or 'cleanwire.toml'}): {exc}") from None


class UsageError(Exception):
    pass


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    raw = Path(settings.raw)
    if not raw.is_dir():
        raise UsageError(f"raw folder '{raw}' does not exist or is not a folder")
    _prefect_env()
    from cleaners.store import RunLocked, lock_clean_folder
    from flows.ingest import flow_parameters, ingest_flow

    try:  # fail fast, before Prefect starts, when another run holds the folder
        os.close(lock_clean_folder(Path(settings.clean), settings.lock_wait))
    except RunLocked as exc:
        print(f"cleanwire: {exc}; try again later or pass --lock-wait SECONDS", file=sys.stderr)
        return EXIT_LOCKED
    try:
        with progress_display():
            report = ingest_flow(settings.dask)(**flow_parameters(settings))
    except RunLocked as exc:
        print(f"cleanwire: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    print(_summary(report))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    """Print a text input's lines: kept ones plain, removed ones marked with their reason."""
    from cleaners.boilerplate import clean_text
    from cleaners.decode import DecodeError, decode
    from cleaners.explain import explain_lines
    from cleaners.read import ReadError, read_input

    path = Path(args.file)
    if not path.is_file():
        print(f"cleanwire: no file '{path}'", file=sys.stderr)
        return EXIT_USAGE
    try:
        raw = read_input(path.parent, path.name)
        decoded = decode(raw.data, html=raw.format == "html")
    except (ReadError, DecodeError) as exc:
        print(f"cleanwire: {path}: rejected: {exc.reason}: {exc.detail}", file=sys.stderr)
        return EXIT_FAILED
    if raw.format == "html":
        from cleaners.pipeline import clean_html

        page = clean_html(raw)
        text = "\n".join(page["paragraphs"])
        print(f"# {path}: HTML; trafilatura kept {len(page['paragraphs'])} paragraphs "
              f"(title: {page['title']!r}); the text pass over them:")
    else:
        text = decoded.text
    result = clean_text(text)
    color = sys.stdout.isatty() and not args.no_color
    red, dim, end = ("\033[31m", "\033[2m", "\033[0m") if color else ("", "", "")
    width = max(len(r.reason) for r in result.removed) if result.removed else 0
    kept = removed = 0
    for line in explain_lines(text, result):
        if line.reason:
            removed += 1
            print(f"{red}- [{line.reason:<{width}}]{end} {dim}{line.text}{end}"
                  + (f"  {dim}({line.detail}){end}" if args.detail and line.detail else ""))
            continue
        if not line.text.strip():
            print()
            continue
        kept += 1
        shown = line.text
        for frag in line.fragments:
            shown = shown.replace(frag.text, f"{red}[-{frag.reason}: {frag.text}-]{end}")
        print(f"  {' ' * (width + 2)} {shown}")
    print(f"# kept {kept} lines, removed {removed}; title: {result.title!r}; "
          f"author: {result.author!r}; published: {result.published!r}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the ingest deployment on its schedule; start a Prefect server if none is set."""
    settings = settings_from(args)
    if not Path(settings.raw).is_dir():
        raise UsageError(f"raw folder '{settings.raw}' does not exist or is not a folder")
    _prefect_env()
    import signal

    from flows.serve import DEPLOYMENT, api_server, serve

    def stop(signum, frame):  # SIGTERM (a service manager's stop) ends like Ctrl-C: cleanly
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with api_server() as (url, log):
        print(f"PREFECT_API_URL={url}", flush=True)
        when = f"every {settings.interval:g} s" if settings.interval else f"'{settings.schedule}'"
        print(f"serving ingest/{DEPLOYMENT} on {when} (collision: {settings.collision}); "
              f"trigger a run with: cleanwire trigger", flush=True)
        serve(settings, url, log)
    return EXIT_OK


def _param(text: str) -> tuple[str, object]:
    import json

    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.replace("-", "_"), json.loads(value)
    except ValueError:
        return key.replace("-", "_"), value


def cmd_trigger(args: argparse.Namespace) -> int:
    """Run the served deployment now, with parameters on top of its defaults."""
    _prefect_env()
    from flows.serve import known_api_url, trigger

    url = known_api_url()
    if not url:
        raise UsageError("no Prefect server: start `cleanwire serve`, or set PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    run = trigger(dict(args.param or []), wait=not args.no_wait, timeout=args.timeout)
    state = run.state.name if run.state else "?"
    print(f"flow run {run.name} ({run.id}): {state}")
    if args.no_wait:
        return EXIT_OK
    return EXIT_OK if run.state and run.state.is_completed() else EXIT_FAILED


def cmd_dups(args: argparse.Namespace) -> int:
    """Duplicate clusters in a clean folder: each kept document and the inputs that copy it."""
    import json
    import sqlite3
    from collections import defaultdict

    clean = Path(args.clean)
    if not (clean / "state.sqlite").exists():
        raise UsageError(f"'{clean}' is not a clean folder (no state.sqlite)")
    clusters: dict[str, list[dict]] = defaultdict(list)
    for path in sorted((clean / "duplicates").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            dup = json.loads(line)
            clusters[dup["duplicate_of"]].append(dup)
    with sqlite3.connect(clean / "state.sqlite") as db:
        kept = {i: p for i, p in db.execute("SELECT id, path FROM inputs WHERE outcome='document'")}
    rows = [{"id": kept_id, "path": kept.get(kept_id),
             "duplicates": [{"id": d["id"], "path": d["source"]["path"], "kind": d["kind"],
                             "similarity": d["similarity"]} for d in dups]}
            for kept_id, dups in sorted(clusters.items(), key=lambda kv: -len(kv[1]))]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    kinds = defaultdict(int)
    for row in rows:
        for d in row["duplicates"]:
            kinds[d["kind"]] += 1
    print(f"{len(rows)} clusters, {sum(kinds.values())} duplicates"
          + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")" if kinds else ""))
    for row in rows:
        print(f"{row['path']}  ({row['id']})")
        for d in row["duplicates"]:
            print(f"  {d['kind']:<5} {d['similarity']:.2f}  {d['path']}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """What is in a clean folder: documents by language, site and month, duplicates, rejections."""
    import json

    from cleaners.stats import collect, render

    clean = Path(args.clean)
    if not (clean / "documents").is_dir():
        raise UsageError(f"'{clean}' is not a clean folder (no documents/)")
    stats = collect(clean)
    print(json.dumps(stats, indent=2, ensure_ascii=False) if args.json else render(stats))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cleanwire", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the ingest flow over a raw folder")
    run.add_argument("--config", help="settings file (default: ./cleanwire.toml if present)")
    run.add_argument("--raw", help="folder of raw scraped files (default: raw)")
    run.add_argument("--clean", help="output folder (default: clean)")
    run.add_argument("--batch-size", type=int, help=f"inputs per Prefect task, at most (default: {BATCH_SIZE})")
    run.add_argument("--workers", type=int, help="worker processes (default: 0, one per core)")
    run.add_argument("--lock-wait", "--wait", dest="lock_wait", type=float,
                     help="seconds to wait for another run on the same clean folder "
                          "(default: 0, exit 3 at once)")
    run.add_argument("--doc-seconds", type=float,
                     help=f"time budget per document, then it is rejected as timeout (default: {DOC_SECONDS:g})")
    run.add_argument("--max-file-mb", type=float,
                     help=f"larger raw files are rejected as too-large (default: {MAX_FILE_BYTES / 2**20:g})")
    run.add_argument("--max-decompressed-mb", type=float,
                     help=f"decompression stops and rejects past this size (default: {MAX_DECOMPRESSED_BYTES / 2**20:g})")
    run.add_argument("--languages", type=lambda v: v.split(","),
                     help="comma-separated ISO 639-1 codes to allow (default: all)")
    run.add_argument("--language-policy", choices=["flag", "reject"],
                     help="other languages are flagged or rejected (default: flag)")
    run.add_argument("--language-engine", choices=["langdetect", "fasttext"],
                     help="language identifier: langdetect, or fastText's bundled model, "
                          "34x faster (default: langdetect)")
    run.add_argument("--dedup-threshold", type=float, help="near-duplicate Jaccard threshold")
    run.add_argument("--output-format", choices=["jsonl", "jsonl.zst", "parquet"],
                     help="how records are published in the clean folder (default: jsonl)")
    run.add_argument("--dask", help="tcp://host:port of a Dask scheduler to run the batches on")
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="serve the ingest deployment on a schedule")
    serve.add_argument("--config", help="settings file (default: ./cleanwire.toml if present)")
    serve.add_argument("--raw", help="folder of raw scraped files")
    serve.add_argument("--clean", help="output folder")
    serve.add_argument("--cron", dest="schedule", help="cron schedule (default: hourly)")
    serve.add_argument("--interval", type=float, metavar="SECONDS",
                       help="run every SECONDS instead of on the cron schedule")
    serve.add_argument("--collision", choices=["cancel", "queue"],
                       help="a run due while one runs is cancelled or queued (default: cancel)")
    serve.add_argument("--dask", help="tcp://host:port of a Dask scheduler to run the batches on")
    serve.set_defaults(func=cmd_serve)
    trig = sub.add_parser("trigger", help="run the served deployment now")
    trig.add_argument("--param", action="append", type=_param, metavar="KEY=VALUE",
                      help="a flow parameter for this run (repeatable), e.g. --param batch_size=64")
    trig.add_argument("--no-wait", action="store_true", help="return once the run is scheduled")
    trig.add_argument("--timeout", type=float, help="seconds to wait for the run at most")
    trig.set_defaults(func=cmd_trigger)
    stats = sub.add_parser("stats", help="what is in a clean folder")
    stats.add_argument("clean", nargs="?", default="clean", help="clean folder (default: clean)")
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    stats.set_defaults(func=cmd_stats)
    dups = sub.add_parser("dups", help="list duplicate clusters in a clean folder")
    dups.add_argument("clean", nargs="?", default="clean", help="clean folder (default: clean)")
    dups.add_argument("--json", action="store_true", help="machine-readable output")
    dups.set_defaults(func=cmd_dups)
    explain = sub.add_parser("explain", help="show why each line of a file is kept or removed")
    explain.add_argument("file", help="a raw text (or HTML) file")
    explain.add_argument("--detail", action="store_true", help="print each rule's evidence")
    explain.add_argument("--no-color", action="store_true", help="no ANSI colors on a terminal")
    explain.set_defaults(func=cmd_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    _prefect_env()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"cleanwire: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cleanwire: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # `cleanwire stats | head`: the reader has seen enough
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

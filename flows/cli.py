"""`cleanwire`: the command line.

  cleanwire run [--config cleanwire.toml] [--raw raw] [--clean clean] [--reprocess [PATTERN]] ...
  cleanwire serve [--cron CRON | --interval SECONDS] [--collision cancel|queue]
  cleanwire trigger [--param KEY=VALUE ...] [--no-wait]
  cleanwire stats [CLEAN] [--json]
  cleanwire dups [CLEAN] [--json]
  cleanwire explain FILE[#RECORD] [--detail] [--json]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import warnings
from contextlib import closing, contextmanager
from pathlib import Path

from cleaners.version import RELEASE, pipeline_version

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_STORAGE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
EXIT_CODES = """exit codes:
  0    done (rejected inputs are counted in the summary, not failures)
  1    the run failed (a bug: the message says where)
  2    could not start: bad settings or arguments, no raw folder, a clean folder it cannot write
  3    another run holds the clean folder (--lock-wait SECONDS waits for it)
  4    the clean folder could not be written mid-run (its disk is full, or it turned
       read-only); what the last checkpoint committed is kept
  130  interrupted (Ctrl-C or SIGTERM); what the last checkpoint committed is kept"""


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
    if report["superseded"]:
        lines.append(f"  superseded        {report['superseded']} earlier records replaced by new "
                     f"versions (moved to superseded/)")
    if report.get("judged_again"):
        lines.append(f"  judged again      {report['judged_again']} pages of sites that gained "
                     f"pages, with the site's template known")
    if report["languages"]:
        lines.append("  languages         " + ", ".join(f"{k} {v}" for k, v in report["languages"].items()))
    gone = report["gone"]
    if gone["files_count"]:
        lines.append(f"  raw files gone    {gone['files_count']}: "
                     + ", ".join(gone["files"][:3]) + (" ..." if gone["files_count"] > 3 else ""))
    if gone["documents_without_raw"]:
        lines.append(f"  documents whose raw file is gone: {gone['documents_without_raw']} "
                     f"(kept; cleanwire stats counts them)")
    outdated = report["outdated"]
    if outdated["inputs"]:
        why = []
        if outdated["settings"]:
            why.append("other settings (" + ", ".join(outdated["settings"]) + ")")
        if outdated["versions"]:
            why.append("another pipeline version (" + ", ".join(outdated["versions"]) + ")")
        lines.append(f"  NOTE: {outdated['inputs']} inputs were cleaned with {' and '.join(why)} "
                     f"than this run's; `cleanwire run --reprocess` cleans them again")
    lines.append(f"  time              {report['seconds']:.1f} s")
    lines += [f"  {kind:<17} {path}" for kind, path in report.get("outputs", {}).items()]
    return "\n".join(lines)


@contextmanager
def progress_display():
    """A progress bar on a terminal; plain lines, one per tenth of the inputs, otherwise."""
    from running import runs

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

    runs.LISTENERS.append(listener)
    try:
        if bar is not None:
            with bar:
                yield
        else:
            yield
    finally:
        runs.LISTENERS.remove(listener)


def settings_from(args: argparse.Namespace):
    """cleanwire.toml (or --config), with the flags that were given on top."""
    from pydantic import ValidationError

    from running.settings import Settings, load

    try:
        base = load(args.config)
        given = {k: v for k, v in vars(args).items() if k in Settings.model_fields and v is not None}
        return Settings(**(base.model_dump() | given))
    except ValidationError as exc:
        raise _bad_settings(exc, args.config or "cleanwire.toml and flags") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"bad settings ({args.config or 'cleanwire.toml'}): {exc}") from None


class UsageError(Exception):
    pass


def _bad_settings(exc, where: str) -> UsageError:
    """A pydantic ValidationError of Settings as one line naming each bad setting."""
    return UsageError(f"bad settings ({where}): " + "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'file'}: "
        + ("no such setting" if e["type"] == "extra_forbidden"
           else e["msg"].removeprefix("Value error, "))
        for e in exc.errors()))


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    raw, clean = Path(settings.raw), Path(settings.clean)
    if not raw.is_dir():
        raise UsageError(f"raw folder '{raw}' does not exist or is not a folder")
    _prefect_env()
    from running import runs
    from running.inputs import discover
    from running.store import RunLocked, StorageFailed, lock_clean_folder, work_to_do

    signal.signal(signal.SIGTERM, _ctrl_c)  # a service manager's stop ends like Ctrl-C
    signal.signal(signal.SIGINT, _ctrl_c)
    try:  # fail fast, before Prefect starts, when another run holds the folder or it is not ours
        os.close(lock_clean_folder(clean, settings.lock_wait))
    except RunLocked as exc:
        print(f"cleanwire: {exc}; try again later or pass --lock-wait SECONDS", file=sys.stderr)
        return EXIT_LOCKED
    except OSError as exc:
        raise UsageError(f"cannot write to the clean folder '{clean}': {_why(exc)}") from None
    try:
        with progress_display():
            if not work_to_do(clean, raw, discover(raw), args.reprocess):
                report = runs.run_ingest(settings)  # nothing to clean: no Prefect, no server
            else:
                report = _flow_run(settings, args.reprocess)
    except RunLocked as exc:
        print(f"cleanwire: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except KeyboardInterrupt:
        print(f"cleanwire: interrupted; {_kept(clean)}; run again to do the rest",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except (StorageFailed, OSError, sqlite3.Error) as exc:
        failed = exc if isinstance(exc, StorageFailed) else StorageFailed.of(exc)
        if failed is None:
            raise
        print(f"cleanwire: the clean folder could not be written ({failed}); {_kept(clean)}; "
              f"make room (or make it writable) and run again", file=sys.stderr)
        return EXIT_STORAGE
    print(_summary(report))
    return EXIT_OK


def _flow_run(settings, reprocess: str | None) -> dict:
    """The ingest flow, on the API of PREFECT_API_URL, of a running `cleanwire serve`, or of a
    temporary server that boots while Prefect is imported."""
    from flows.api import run_api
    from running.runs import warm_up

    api = run_api()
    warm_up(settings)  # the workers start while Prefect is imported and its server boots
    from flows.ingest import ingest

    if api.server is not None:
        api.server.wait_ready()
    state = ingest(settings, reprocess, return_state=True)
    return state.result()  # raises what failed the run (StorageFailed: see cmd_run)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _ctrl_c(signum, frame):
    """Ctrl-C and SIGTERM in `cleanwire run`: the run stops at its next batch at the latest
    (running.runs.request_stop), and the command says what was kept."""
    from running.runs import request_stop

    request_stop()
    raise KeyboardInterrupt


def _why(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _kept(clean: Path) -> str:
    """What an interrupted run left: the inputs its last checkpoint committed, published."""
    try:
        with closing(sqlite3.connect(f"file:{clean / 'state.sqlite'}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT run FROM runs WHERE status IN ('interrupted', 'running') "
                             "ORDER BY started DESC LIMIT 1").fetchone()
            if row is None:
                return "nothing had been committed yet"
            done = db.execute("SELECT COUNT(*) FROM inputs WHERE seen=? AND outcome != "
                              "'container'", (row[0],)).fetchone()[0]
    except sqlite3.Error:
        return "nothing had been committed yet"
    return (f"run {row[0]} kept the {done} inputs its last checkpoint committed (their records "
            f"are in {clean})")


def cmd_explain(args: argparse.Namespace) -> int:
    """What a run makes of one input (FILE, or FILE#RECORD of a JSONL/WARC file), by the
    pipeline's own code: every line kept or marked with its reason, the decision, and whether
    that is the record written for it."""
    import json

    from running.explain import ExplainError, explain

    settings = settings_from(args)
    file, _, number = args.file.partition("#")
    path = Path(file)
    if not path.is_file():
        raise UsageError(f"no file '{path}'")
    if number and not number.isdigit():
        raise UsageError(f"'{args.file}': a record is FILE#NUMBER")
    raw_root, rel = _raw_root_of(path, Path(settings.raw))
    try:
        explained = explain(raw_root, rel, int(number) if number else None, settings=settings)
    except ExplainError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps([_explained_json(e) for e in explained], indent=2, ensure_ascii=False))
    elif len(explained) > 1 or (explained and explained[0].decision.result.source.record is not None
                                and not number):
        _print_records(args.file, explained)
    else:
        _print_explained(explained[0], args)
    return EXIT_OK if all(e.decision.outcome != "rejected" for e in explained) else EXIT_FAILED


def _raw_root_of(path: Path, raw: Path) -> tuple[Path, str]:
    """The raw folder the file is in (ids derive from the path in it), else its own folder."""
    full, root = path.resolve(), raw.resolve()
    if full.is_relative_to(root):
        return root, full.relative_to(root).as_posix()
    return full.parent, full.name


def _outcome_line(e) -> str:
    d = e.decision
    if d.outcome == "rejected":
        return f"rejected: {d.result.reason}: {d.result.detail}"
    if d.outcome == "duplicate":
        return (f"duplicate of {d.duplicate_of} ({d.match}, similarity "
                f"{d.record['similarity']:.2f})")
    return f"document {d.result.id} (language {d.result.language} {d.result.language_score:.2f})"


def _written_line(e) -> str:
    w = e.written
    if w.matches:
        return f"the same record as the one written in {w.file}"
    where = f" ({w.kind} of run {w.run})" if w.kind else ""
    return f"NOT the record written{where}: {w.why}"


def _print_records(name: str, explained: list) -> None:
    """A JSONL/WARC file: one line a record."""
    from urllib.parse import unquote

    print(f"# {name}: {len(explained)} records; `cleanwire explain '{name}#N'` shows one")
    for e in explained:
        doc = e.document
        url = unquote((doc.url if doc else None) or "")
        print(f"#{e.decision.result.source.record:<6} {_outcome_line(e)}  {url}")


def _print_explained(e, args: argparse.Namespace) -> None:
    color = sys.stdout.isatty() and not args.no_color
    red, dim, end = ("\033[31m", "\033[2m", "\033[0m") if color else ("", "", "")
    doc = e.document
    removed = list(doc.removed) if doc else []
    width = max((len(r["reason"]) for r in removed), default=0)
    print(f"# {e.input}: {e.format or 'unreadable'} input")
    kept = dropped = 0
    if e.page_text is not None and doc is not None:
        from running.explain import explain_lines

        for line in explain_lines(e.page_text, removed):
            if line.reason:
                dropped += 1
                print(f"{red}- [{line.reason:<{width}}]{end} {dim}{line.text}{end}"
                      + (f"  {dim}({line.detail}){end}" if args.detail and line.detail else ""))
                continue
            if not line.text.strip():
                print()
                continue
            shown = kept_text = line.text
            for frag in line.fragments:
                shown = shown.replace(frag.text, f"{red}[-{frag.reason}: {frag.text}-]{end}")
                kept_text = kept_text.replace(frag.text, "")
            print(f"  {' ' * (width + 2)} {shown}{_language_tag(e.language_of(kept_text), dim, end)}")
        later = [r for r in removed if r["line"] is None]
        for r in later:  # decided after cleaning: the site's template lines
            print(f"{red}- [{r['reason']:<{width}}]{end} {dim}{r['text']}{end}"
                  + (f"  {dim}({r['detail']}){end}" if args.detail else ""))
        kept, dropped = len(doc.text.split("\n")), dropped + len(later)
    elif doc is not None:
        print("# HTML: trafilatura extracted the main text (comments left out); a byline, "
              "standfirst or lead it left out under the headline comes first. The paragraphs, "
              "and what was removed of them:")
        for paragraph, code, score in e.paragraph_languages:
            print(f"  {' ' * (width + 2)} {paragraph}{_language_tag((code, score), dim, end)}")
        for r in removed:
            print(f"{red}- [{r['reason']:<{width}}]{end} {dim}{r['text']}{end}"
                  + (f"  {dim}({r['detail']}){end}" if args.detail else ""))
        kept, dropped = len(doc.text.split("\n")), len(removed)
    if doc is not None:
        print("# languages (share of the letters): "
              + ", ".join(f"{code} {share:.2f}" for code, share in doc.languages)
              + (f"; flags: {', '.join(doc.flags)}" if doc.flags else ""))
        print(f"# kept {kept} lines, removed {dropped}; title: {doc.title!r}; "
              f"author: {doc.author!r}; published: {doc.published!r}")
    print(f"# outcome: {_outcome_line(e)}")
    print(f"# written: {_written_line(e)}")


def _language_tag(found: tuple[str, float] | None, dim: str, end: str) -> str:
    """A kept paragraph's language, after it: [en 0.98]; [und] when none is sure."""
    if found is None:
        return ""
    code, score = found
    return f"  {dim}[{code}{f' {score:.2f}' if code != 'und' else ''}]{end}"


def _explained_json(e) -> dict:
    doc = e.document
    d = e.decision
    return {"input": e.input, "id": d.result.id, "outcome": d.outcome,
            "text": doc.text if doc else None, "title": doc.title if doc else None,
            "paragraph_languages": [{"language": code, "score": score}
                                    for _, code, score in e.paragraph_languages],
            "removed": list(doc.removed) if doc else [],
            "duplicate_of": d.duplicate_of, "reason": getattr(d.result, "reason", None),
            "detail": getattr(d.result, "detail", None), "record": d.record,
            "written": {"kind": e.written.kind, "run": e.written.run,
                        "file": str(e.written.file) if e.written.file else None,
                        "matches": e.written.matches, "why": e.written.why}}


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the ingest deployment on its schedule; start a Prefect server if none is set."""
    settings = settings_from(args)
    if not Path(settings.raw).is_dir():
        raise UsageError(f"raw folder '{settings.raw}' does not exist or is not a folder")
    _prefect_env()
    from flows.api import serve_api
    from flows.serve import DEPLOYMENT, serve

    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop ends like Ctrl-C
    with serve_api() as (url, log):
        print(f"PREFECT_API_URL={url}", flush=True)
        when = f"every {settings.interval:g} s" if settings.interval else f"'{settings.schedule}'"
        print(f"serving ingest/{DEPLOYMENT} on {when} (collision: {settings.collision}); "
              f"trigger a run with: cleanwire trigger", flush=True)
        # Prefect's runner, stopped by a signal, leaves a coroutine un-awaited: say it plainly.
        warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited")
        try:
            serve(settings, url, log)
        except (KeyboardInterrupt, SystemExit):  # Ctrl-C; SIGTERM (Prefect's runner exits)
            pass
    print("cleanwire serve: stopped", file=sys.stderr)
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
    from flows.api import known_api_url
    from flows.serve import trigger

    url = known_api_url()
    if not url:
        raise UsageError("no Prefect server: start `cleanwire serve`, or set PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    from pydantic import ValidationError

    try:
        run = trigger(dict(args.param or []), wait=not args.no_wait, timeout=args.timeout)
    except ValidationError as exc:
        raise _bad_settings(exc, "--param") from None
    state = run.state
    print(f"flow run {run.name} ({run.id}): {state.name if state else '?'}")
    if state is not None and (state.is_cancelled() or state.is_cancelling()):
        print(f"cleanwire: the run was refused: {state.message or 'cancelled'} (another run of "
              f"the deployment holds its concurrency limit and collision is 'cancel')",
              file=sys.stderr)
        return EXIT_LOCKED
    if args.no_wait:
        if state is not None and state.name == "AwaitingConcurrencySlot":
            print("queued: it starts when the running run ends (collision 'queue')")
        elif state is not None and (state.is_scheduled() or state.is_pending()):
            print(f"cleanwire: the run has not started yet ({state.name}): is `cleanwire serve` "
                  "running and polling?", file=sys.stderr)
            return EXIT_FAILED
        return EXIT_OK
    return EXIT_OK if state and state.is_completed() else EXIT_FAILED


def cmd_dups(args: argparse.Namespace) -> int:
    """Duplicate clusters in a clean folder: each kept document and the inputs that copy it."""
    import json
    import sqlite3
    from collections import defaultdict
    from contextlib import closing

    from running.output import read_records

    clean = Path(args.clean)
    if not (clean / "state.sqlite").exists():
        raise UsageError(f"'{clean}' is not a clean folder (no state.sqlite)")
    clusters: dict[str, list[dict]] = defaultdict(list)
    for dup in read_records(clean / "duplicates"):
        clusters[dup["duplicate_of"]].append(dup)
    with closing(sqlite3.connect(f"file:{clean / 'state.sqlite'}?mode=ro", uri=True)) as db:
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

    from running.stats import collect, render

    clean = Path(args.clean)
    if not (clean / "documents").is_dir():
        raise UsageError(f"'{clean}' is not a clean folder (no documents/)")
    stats = collect(clean)
    print(json.dumps(stats, indent=2, ensure_ascii=False) if args.json else render(stats))
    return EXIT_OK


def add_flags(parser: argparse.ArgumentParser, command: str) -> None:
    """The settings (running.settings.Settings) that `command` takes as flags, each with its
    help and default from the field: --batch-size for batch_size, --cron for schedule, ..."""
    import types
    import typing

    from running.settings import Settings

    for name, info in Settings.model_fields.items():
        extra = info.json_schema_extra or {}
        if command not in extra["commands"]:
            continue
        kind = info.annotation  # X | None: X
        if typing.get_origin(kind) in (typing.Union, types.UnionType):
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        options: dict = {"dest": name, "help": info.description}
        if typing.get_origin(kind) is typing.Literal:
            options["choices"] = list(typing.get_args(kind))
        elif typing.get_origin(kind) is list:
            options["type"] = lambda v: v.split(",")
        elif kind in (int, float):
            options["type"] = kind
        default = info.get_default(call_default_factory=True)
        if default not in (None, [], {}) and "(" not in info.description:
            options["help"] += f" (default: {default:g})" if isinstance(default, float) \
                else f" (default: {default})"
        flag = extra["flag"] or "--" + name.replace("_", "-")
        metavar = "SECONDS" if name in ("interval", "lock_wait", "doc_seconds") else None
        parser.add_argument(flag, *extra["aliases"], metavar=metavar, **options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleanwire", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Clean raw scraped documents (raw/) into annotated documents (clean/).",
        epilog=EXIT_CODES + "\n\n`cleanwire COMMAND --help` tells a command's options.")
    parser.add_argument("--version", action="version",
                        version=f"cleanwire {RELEASE} (pipeline {pipeline_version()})")
    sub = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    run = sub.add_parser("run", help="clean new and changed raw files into the clean folder",
                         epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--config", help="settings file (default: ./cleanwire.toml if present)")
    add_flags(run, "run")
    run.add_argument("--reprocess", nargs="?", const="*", metavar="PATTERN",
                     help="clean inputs again even if unchanged: all, or the paths in the raw "
                          "folder that PATTERN matches (e.g. 'example.com/*'); their new records "
                          "replace the earlier ones")
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="run on a schedule: serve the ingest deployment")
    serve.add_argument("--config", help="settings file (default: ./cleanwire.toml if present)")
    add_flags(serve, "serve")
    serve.set_defaults(func=cmd_serve)
    trig = sub.add_parser("trigger", help="start a run of the served deployment now")
    trig.add_argument("--param", action="append", type=_param, metavar="KEY=VALUE",
                      help="a flow parameter for this run (repeatable), e.g. --param batch_size=64")
    trig.add_argument("--no-wait", action="store_true",
                      help="return once the run has started, been queued or been refused "
                           "(exit 3) instead of when it ends")
    trig.add_argument("--timeout", type=float, help="seconds to wait for the run at most")
    trig.set_defaults(func=cmd_trigger)
    stats = sub.add_parser("stats", help="what is in a clean folder: documents by language, site, month")
    stats.add_argument("clean", nargs="?", default="clean", help="clean folder (default: clean)")
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    stats.set_defaults(func=cmd_stats)
    dups = sub.add_parser("dups", help="duplicate clusters: each kept document and its copies")
    dups.add_argument("clean", nargs="?", default="clean", help="clean folder (default: clean)")
    dups.add_argument("--json", action="store_true", help="machine-readable output")
    dups.set_defaults(func=cmd_dups)
    explain = sub.add_parser("explain", help="what a run makes of one input, line by line, and why")
    explain.add_argument("file", help="a raw file; FILE#N for record N of a JSONL or WARC file")
    explain.add_argument("--config", help="settings file (default: ./cleanwire.toml if present)")
    add_flags(explain, "explain")
    explain.add_argument("--detail", action="store_true", help="print each rule's evidence")
    explain.add_argument("--json", action="store_true", help="machine-readable output")
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
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `cleanwire stats | head`: the reader has seen enough
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

"""What is in a clean folder: the figures behind `cleanwire stats`."""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

from running.output import read_records

TOP = 15  # rows per table in the text output: enough to see the shape, short enough to read


def collect(clean: Path) -> dict:
    languages, sites, months, removed = Counter(), Counter(), Counter(), Counter()
    documents = words = 0
    for doc in read_records(clean / "documents"):
        documents += 1
        words += doc["stats"]["words"]
        languages[doc["language"]] += 1
        sites[doc["site"] or "(unknown)"] += 1
        months[(doc["published"] or "")[:7] or "(undated)"] += 1
        removed.update(r["reason"] for r in doc["removed"])
    duplicates = Counter(d["kind"] for d in read_records(clean / "duplicates"))
    rejected = Counter(r["reason"] for r in read_records(clean / "rejected"))
    superseded = sum(1 for _ in read_records(clean / "superseded"))
    runs = sorted(p.stem for p in (clean / "reports").glob("*.json")) if (clean / "reports").exists() else []
    return {
        "documents": documents, "words": words,
        "duplicates": sum(duplicates.values()), "rejected": sum(rejected.values()),
        "superseded": superseded, "documents_without_raw": _without_raw(clean),
        "runs": len(runs), "last_run": runs[-1] if runs else None,
        "by_language": dict(languages.most_common()),
        "by_site": dict(sites.most_common()),
        "by_month": dict(sorted(months.items())),
        "duplicates_by_kind": dict(duplicates.most_common()),
        "rejected_by_reason": dict(rejected.most_common()),
        "removed_reasons": dict(removed.most_common()),
    }


def _without_raw(clean: Path) -> int:
    """Documents whose raw file was gone at the last run (the manifest says so)."""
    path = clean / "state.sqlite"
    if not path.exists():
        return 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM inputs WHERE outcome='document' "
                              "AND missing_since IS NOT NULL").fetchone()[0]
        except sqlite3.OperationalError:  # written by a cleanwire that did not track it
            return 0


def render(stats: dict) -> str:
    lines = [f"{stats['documents']} documents ({stats['words']} words), {stats['duplicates']} "
             f"duplicates, {stats['rejected']} rejected, over {stats['runs']} runs"
             + (f" (last {stats['last_run']})" if stats["last_run"] else "")]
    if stats["documents_without_raw"]:
        lines.append(f"{stats['documents_without_raw']} documents whose raw file is gone")
    if stats["superseded"]:
        lines.append(f"{stats['superseded']} earlier records replaced by newer versions "
                     f"(in superseded/)")
    for title, key in (("documents by language", "by_language"), ("documents by site", "by_site"),
                       ("documents by month", "by_month"),
                       ("duplicates by kind", "duplicates_by_kind"),
                       ("rejected by reason", "rejected_by_reason"),
                       ("removed boilerplate, top reasons", "removed_reasons")):
        rows = list(stats[key].items())
        if not rows:
            continue
        lines.append(f"\n{title}:")
        lines += [f"  {name:<32} {count}" for name, count in rows[:TOP]]
        if len(rows) > TOP:
            lines.append(f"  ... {len(rows) - TOP} more")
    return "\n".join(lines)

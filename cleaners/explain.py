"""Why each line of a text input was kept or removed: the data behind `cleanwire explain`."""

from __future__ import annotations

from dataclasses import dataclass

from cleaners.boilerplate import Removed, TextCleanResult
from cleaners.decode import drop_invisible


def _same(a: str, b: str) -> bool:
    """Whitespace runs and the soft hyphens clean_text drops do not count."""
    return " ".join(drop_invisible(a).split()) == " ".join(drop_invisible(b).split())


@dataclass(frozen=True)
class ExplainedLine:
    number: int               # 0-based line number in the decoded input
    text: str                 # the line as it was
    reason: str | None        # why the whole line went; None when it was kept (or blank)
    detail: str = ""
    fragments: tuple[Removed, ...] = ()  # parts cut out of a kept line (an editor's note)


def explain_lines(text: str, result: TextCleanResult) -> list[ExplainedLine]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    by_line: dict[int, list[Removed]] = {}
    for removed in result.removed:
        by_line.setdefault(removed.line, []).append(removed)
    out = []
    for number, line in enumerate(lines):
        found = by_line.get(number, [])
        whole = next((r for r in found if _same(r.text, line)), None)
        if whole:
            out.append(ExplainedLine(number, line, whole.reason, whole.detail))
        else:
            out.append(ExplainedLine(number, line, None, "", tuple(found)))
    return out

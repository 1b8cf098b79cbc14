"""The layers the tree shows (README, "How the code is laid out") hold in the imports:
cleaners/ is pure (no state, no processes, nothing of the running layer or of Prefect);
running/ knows nothing of flows/ and Prefect; the product imports nothing of bench/ or tests/."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

FORBIDDEN = {
    "cleaners": {"sqlite3", "multiprocessing", "signal", "concurrent", "threading", "subprocess",
                 "running", "flows", "prefect", "distributed", "bench", "tests"},
    "running": {"flows", "prefect", "bench", "tests"},
    "flows": {"bench", "tests"},
}


def imports(path: Path) -> set[str]:
    """The top-level package of every module `path` imports, at any depth of its code."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_each_layer_imports_only_what_is_below_it():
    broken = []
    for layer, forbidden in FORBIDDEN.items():
        files = sorted((ROOT / layer).rglob("*.py"))
        assert files, layer
        for path in files:
            if bad := imports(path) & forbidden:
                broken.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not broken, "\n".join(broken)


def test_the_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    import sqlite3\n    from running.store import CleanStore\n")
    assert {"sqlite3", "running"} <= imports(sample)

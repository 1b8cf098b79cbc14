"""The command line as a user first meets it: `cleanwire --help` lists every command with one
line and the exit codes; `cleanwire --version` says the release and the pipeline version."""

from __future__ import annotations

import subprocess
import sys

from cleaners.version import pipeline_version

CLI = [sys.executable, "-m", "flows.cli"]


def test_help_lists_the_commands_one_line_each_and_the_exit_codes():
    out = subprocess.run(CLI + ["--help"], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    for command in ("run", "serve", "trigger", "stats", "dups", "explain"):
        (line,) = [x for x in lines if x.split()[:1] == [command]]
        assert len(line.split()) > 3, f"{command} has no one-line description"
    for code in ("0", "1", "2", "3", "4", "130"):
        assert any(x.split()[:1] == [code] for x in lines), f"exit code {code} is not explained"


def test_version():
    out = subprocess.run(CLI + ["--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"cleanwire 0.1.0 (pipeline {pipeline_version()})"

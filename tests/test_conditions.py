"""Bad operating conditions, made for real: a clean folder on a read-only mount, and one on a
disk that fills up mid-run (a small tmpfs). Each gets one line naming the cause and a documented
exit code, never a traceback; after a full disk, a run with room finishes the job exactly."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from test_crash import by_path, make_corpus
from test_processes import _env

CLI = [sys.executable, "-m", "flows.cli"]


def _in_mount_namespace(script: str, env: dict) -> subprocess.CompletedProcess:
    """A shell script in a mount namespace of its own: its mounts vanish with it."""
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-euc", script],
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def can_mount(tmp_path_factory):
    where = tmp_path_factory.mktemp("probe")
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            f"mount -t tmpfs -o size=64k tmpfs {where}"], capture_output=True)
    if shutil.which("unshare") is None or probe.returncode != 0:
        pytest.skip("this machine does not let the tests mount a filesystem (needs root)")


def test_a_read_only_clean_folder_is_a_clear_error(can_mount, seeds_raw, tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    cli = " ".join(CLI)
    result = _in_mount_namespace(
        f"mount --bind {clean} {clean} && mount -o remount,ro,bind {clean}\n"
        f"{cli} run --raw {seeds_raw} --clean {clean}", _env(tmp_path))
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip() == (
        f"cleanwire: cannot write to the clean folder '{clean}': Read-only file system")


def test_a_disk_that_fills_mid_run_is_a_clear_error_and_a_rerun_finishes(can_mount, tmp_path):
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    make_corpus(raw, 600)
    reference = tmp_path / "reference"
    env = _env(tmp_path)
    assert subprocess.run(CLI + ["run", "--raw", str(raw), "--clean", str(reference)], env=env,
                          capture_output=True, timeout=600).returncode == 0
    clean.mkdir()
    cli = " ".join(CLI)
    result = _in_mount_namespace(
        # room for the state store and the first few hundred documents, not for all of them
        f"mount -t tmpfs -o size=1200k tmpfs {clean}\n"
        f"set +e; {cli} run --raw {raw} --clean {clean} --batch-size 16; code=$?; set -e\n"
        f"echo exit=$code\n"
        f"mount -o remount,size=64m {clean}\n"
        f"{cli} run --raw {raw} --clean {clean}\n"
        f"cp -a {clean} {tmp_path}/after", env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "exit=4" in result.stdout, result.stdout[-2000:] + result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("cleanwire:")]
    assert errors and errors[0].startswith(
        "cleanwire: the clean folder could not be written (No space left on device")
    assert "kept the" in errors[0] and "run again" in errors[0]
    assert "Traceback" not in result.stderr
    assert by_path(tmp_path / "after") == by_path(reference)

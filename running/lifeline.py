"""Child processes that die with their parent, whatever kills it.

A `cleanwire run` starts a Prefect API server, a fork server and worker processes. When the run
is killed (kill -9, an OOM kill, a crash), the kernel closes its files but signals none of its
children: measured, the server (~230 MB), the fork server and the workers (~280 MB each) stayed
alive for good, the workers blocked on a full result pipe. Linux's PR_SET_PDEATHSIG has the
kernel send a child SIGKILL when the thread that created it ends; where that thread may end
before the process (a thread pool's), a watch thread polls the parent instead.
A terminal's Ctrl-C is the parent's to handle: the children ignore SIGINT, and the parent stops
them (running.pool kills its workers at once).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5  # how often a watched child checks that its parent is alive
# A child forked from the process that imported this module (a fork server's worker) finds its
# parent's pid here, in the memory it was forked with: its own getppid() may already be init's.
_LOADED_IN = os.getpid()


def _prctl_deathsig() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def die_with_parent(*, watch: bool = False) -> None:
    """Make this (child) process die when its parent does, and leave Ctrl-C to the parent.
    watch=False: the kernel's parent-death signal, for a child made by a thread that lives as
    long as its parent (a fork server's main thread). watch=True: a thread that exits the
    process once the parent is gone, for a child created from a thread that may end sooner (the
    fork server is started from whichever thread first submits work)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not watch:
        _prctl_deathsig()
        # The parent may have died between the fork and the line above (a worker started on
        # demand as the run was killed): the signal is then never sent, and the worker, holding
        # its own task queue's write end, would wait on it for good. Measured in CI's full suite.
        if os.getpid() != _LOADED_IN and os.getppid() != _LOADED_IN:
            os._exit(1)
        return
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            threading.Event().wait(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch_parent, name="cleanwire-lifeline", daemon=True).start()


def command(*argv: str) -> list[str]:
    """`argv` run so that it dies with the process that starts it: this module arms the
    parent-death signal, then executes argv in its place (the signal survives exec). Start it
    from a thread that lives as long as the process (the main thread)."""
    return [sys.executable, "-m", "running.lifeline", *argv]


if __name__ == "__main__":
    _prctl_deathsig()
    os.execv(sys.argv[1], sys.argv[1:])

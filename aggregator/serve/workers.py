"""Several server processes on one listening socket, and the fastest event loop available.

One Python process answers a few thousand feed requests a second; feed readers poll far more often
than we poll upstream, so `aggregator serve --workers N` forks N-1 more processes after binding.
They all accept on the inherited socket (the kernel hands each connection to one of them); each
opens its own database connection, since a SQLite connection must not cross a fork. Published
files are read from disk by each process's own FileCache, so nothing else is shared.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

PR_SET_PDEATHSIG = 1


def fork_workers(count: int) -> list[int] | None:
    """Fork `count` children. Returns their pids in the parent, None in a child."""
    pids = []
    for _ in range(count):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _die_with_parent()
            return None
        pids.append(pid)
    return pids


def _die_with_parent() -> None:
    """A child is told SIGTERM when the parent dies, however it dies (Linux; elsewhere the parent's
    stop_workers is the only way)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass


def exit_worker(code: int = 0) -> None:
    """End a forked worker at once: no atexit handlers, no finalizers of what the parent owns."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def stop_workers(pids: list[int]) -> None:
    """SIGTERM every child and wait for each."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run `main` on uvloop when it is installed (about a third more requests a second through
    aiohttp here), else on asyncio's own loop."""
    runner: Callable[[Coroutine[Any, Any, None]], None]
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    runner(main)

"""One daemon per data dir: an exclusive flock that the kernel releases when the process dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import AggregatorError


class DataDirLocked(AggregatorError):
    """Another `aggregator run` holds the data dir."""

    stage = "run"


class DataDirLock:
    """An exclusive flock on DATA_DIR/aggregator.lock, released when the process ends, even by kill -9."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "aggregator.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise DataDirLocked naming the holder's pid."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise DataDirLocked(f"another `aggregator run` (pid {holder}) is using {self.path.parent}; "
                                "stop it first (one scheduler per data dir)") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

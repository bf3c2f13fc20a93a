"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import ctypes
import os
import tempfile
from pathlib import Path

from ..errors import PublishError


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write `data` to `path` via a temporary file and rename; skip identical content.

    Returns True when the file changed. Skipping identical bytes keeps the file's
    mtime, and so its Last-Modified and cached ETag, stable across republishes.
    `durable` False leaves the flush to the caller (flush(), once for a whole publish:
    one fsync per file was a third of a cold publish of 10,000 pages).
    """
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if durable:
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)  # the rename itself must survive a crash
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise PublishError(f"cannot write {path}: {exc.strerror or exc}") from None
    return True


def remove_file(path: Path) -> bool:
    """Delete a published file that no stored state stands behind any more; True when one was there."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise PublishError(f"cannot remove {path}: {exc.strerror or exc}") from None
    return True


def flush(folder: Path) -> None:
    """Make every file written under `folder` durable at once: syncfs(2) on its file system (one
    journal commit for a whole publish), or sync() where there is no syncfs."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        syncfs = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)
        if syncfs is None or syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)

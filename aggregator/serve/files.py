"""Published files held in memory with their validators, reloaded only when the file changes.

A feed reader's poll costs a stat() and a dictionary look-up: the ETag (a hash
of the bytes) and the gzip variant are computed once per version of a file, not
per request.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path


@dataclass
class Entry:
    """One version of one published file."""

    stamp: tuple[int, int, int]
    body: bytes
    etag: str
    last_modified: str
    mtime: float
    _gz: bytes | None = field(default=None, repr=False)

    @property
    def gzipped(self) -> bytes:
        """The gzip-encoded body, compressed on first use."""
        if self._gz is None:
            self._gz = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gz


class FileCache:
    """Maps paths to their current Entry, checking the file's identity on every get."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: dict[Path, Entry] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, path: Path) -> Entry | None:
        """The file's current entry, or None when it does not exist."""
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            entry = self._entries.get(path)
        if entry is not None and entry.stamp == stamp:
            return entry
        try:
            body = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None
        entry = Entry(stamp=stamp, body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"',
                      last_modified=formatdate(st.st_mtime, usegmt=True), mtime=st.st_mtime)
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.pop(next(iter(self._entries)))
            self._entries[path] = entry
        return entry

"""Published files held in memory with their validators, reloaded only when the file changes.

A feed reader's poll costs a stat() and a dictionary look-up: the ETag (a hash
of the bytes) and the gzip variant are computed once per version of a file, not
per request.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path


@dataclass
class Entry:
    """One version of one published file."""

    stamp: tuple[int, int, int, int]
    body: bytes
    etag: str
    last_modified: str
    mtime: float
    _gz: bytes | None = field(default=None, repr=False)
    _headers: dict = field(default_factory=dict, repr=False)

    def headers(self, gz: bool, content_type: str, max_age: int) -> tuple[dict, dict]:
        """(the headers of a 304, the headers of a 200) for this version of the file, made once."""
        key = (gz, content_type, max_age)
        found = self._headers.get(key)
        if found is None:
            validators = {"ETag": f'{self.etag[:-1]}-gz"' if gz else self.etag, "Last-Modified": self.last_modified,
                          "Vary": "Accept-Encoding", "Cache-Control": f"public, max-age={max_age}"}
            full = validators | {"Content-Type": content_type} | ({"Content-Encoding": "gzip"} if gz else {})
            found = self._headers[key] = (validators, full)
        return found

    @property
    def gzipped(self) -> bytes:
        """The gzip-encoded body, compressed on first use."""
        if self._gz is None:
            self._gz = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gz


class FileCache:
    """Maps paths to their current Entry, checking the file's identity on every get."""

    def __init__(self, root: Path | None = None, max_entries: int = 4096) -> None:
        # Only regular files under `root`, reached without following a symlink, are served: a link
        # placed in the published folder (to the database, to /etc/passwd) is a 404, not a leak.
        self._root = os.path.realpath(root) if root is not None else None
        self._entries: dict[Path | str, Entry] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def _inside_root(self, path: Path | str) -> bool:
        """True when no component of `path` below the root is a symlink (the root itself may be one)."""
        if self._root is None:
            return True
        real = os.path.realpath(path)
        parent = os.path.realpath(os.path.dirname(os.path.abspath(path)))
        return (real.startswith(self._root + os.sep) and parent.startswith(self._root)
                and real == os.path.join(parent, os.path.basename(path)))

    def get(self, path: Path | str) -> Entry | None:
        """The file's current entry, or None when it does not exist."""
        try:
            st = os.lstat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev)
        with self._lock:
            entry = self._entries.get(path)
        if entry is not None and entry.stamp == stamp:
            return entry  # the very file checked when it was loaded: no path walk per request
        if not self._inside_root(path):
            return None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)  # a file swapped for a link meanwhile is refused
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            body = fh.read()
        entry = Entry(stamp=stamp, body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"',
                      last_modified=formatdate(st.st_mtime, usegmt=True), mtime=st.st_mtime)
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.pop(next(iter(self._entries)))
            self._entries[path] = entry
        return entry

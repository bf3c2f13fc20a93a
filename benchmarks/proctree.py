"""CPU seconds of a process tree's descendants, sampled from /proc (Linux only).

The parse pool's workers are children of multiprocessing's forkserver, which nobody reaps into
RUSAGE_CHILDREN: neither this process's figures nor a command's wait4() ones see them. Sampling
every 50 ms misses at most one interval of each worker's last work.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


class DescendantCPU:
    """Sampled CPU of the descendants of `root` (default: this process), used as a context manager.
    Processes alive when it starts count only from then on."""

    available = Path("/proc/self/stat").exists()

    def __init__(self, root: int | None = None) -> None:
        self.root = str(root if root is not None else os.getpid())
        self.ticks: dict[tuple[int, str], int] = {}
        self.baseline: dict[tuple[int, str], int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        parents: dict[str, str] = {}
        stats: dict[str, list[str]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[entry.name] = fields[1]
            stats[entry.name] = fields
        for pid, fields in stats.items():
            up, hops = parents.get(pid), 0
            while up and up not in (self.root, "0", "1") and hops < 8:
                up, hops = parents.get(up), hops + 1
            if up == self.root:  # keyed by pid and start time, so a reused pid is a new process
                self.ticks[(int(pid), fields[19])] = int(fields[11]) + int(fields[12])

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._sample()

    def __enter__(self) -> DescendantCPU:
        if self.available:
            self._sample()
            self.baseline = dict(self.ticks)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()
            self._sample()

    @property
    def seconds(self) -> float:
        """Sampled CPU seconds of every descendant seen."""
        used = sum(t - self.baseline.get(key, 0) for key, t in self.ticks.items())
        return used / os.sysconf("SC_CLK_TCK")

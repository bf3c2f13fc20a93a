"""The daemon: APScheduler over the pipeline, debounced publishing, and the server in one process.

scheduler (the Daemon: one job per source at its stored next fetch time), debounce
(a burst of changes gives one publish), lock (one daemon per data dir).
"""

from .lock import DataDirLock, DataDirLocked
from .scheduler import Daemon, run_daemon

__all__ = ["Daemon", "DataDirLock", "DataDirLocked", "run_daemon"]

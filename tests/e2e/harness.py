"""Running the real `aggregator` command in subprocesses, and reading what it serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Aggregator:
    """Runs `python -m aggregator` with a data dir and settings of its own."""

    def __init__(self, tmp_path: Path, port: int) -> None:
        self.cwd = tmp_path
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")} | {
            "AGGREGATOR_DATA_DIR": str(tmp_path / "data"),
            "AGGREGATOR_ALLOW_PRIVATE_NETWORKS": "true",
            "AGGREGATOR_BASE_URL": f"http://127.0.0.1:{port}/",
            "AGGREGATOR_SITE_NAME": "反腐倡廉资讯网",
            # The fixtures' made-up links must not be followed off the machine (see tests/conftest.py).
            "AGGREGATOR_FULL_TEXT": "never",
            "AGGREGATOR_MIRROR_IMAGES": "false",
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "aggregator", *args], cwd=self.cwd, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise AssertionError(f"aggregator {' '.join(args)} exited {done.returncode}: {done.stderr}")
        return done

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "aggregator", *args], cwd=self.cwd, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def http_get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def wait_for(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {proc.stderr.read()}")
        try:
            http_get(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")

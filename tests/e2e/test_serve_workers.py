"""`aggregator serve --workers N`: N processes answer on one socket, and they all stop together."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.e2e.harness import Aggregator, free_port, http_get, wait_for
from tests.feeds import item, rss

pytestmark = pytest.mark.e2e


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == str(pid):
                found.add(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_several_worker_processes_answer_on_one_port_and_stop_with_the_parent(tmp_path: Path,
                                                                               httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f.xml").respond_with_data(rss([item(1), item(2)]), content_type="application/rss+xml")
    port = free_port()
    agg = Aggregator(tmp_path, port)
    agg.run("sources", "add", httpserver.url_for("/f.xml"), "--category", "要闻")
    agg.run("fetch")
    server = agg.popen("serve", "--port", str(port), "--workers", "3")
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", server)
        workers = children_of(server.pid)
        assert len(workers) == 2  # the parent answers too: three processes on the one socket
        feed = http_get(f"http://127.0.0.1:{port}/feeds/all.rss")
        assert feed.count(b"<item>") == 2
        for _ in range(30):  # every answer is the same file, whichever process took the connection
            assert http_get(f"http://127.0.0.1:{port}/feeds/all.rss") == feed
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(running(pid) for pid in workers):
            time.sleep(0.1)
        assert not any(running(pid) for pid in workers)
        assert "Traceback" not in server.stderr.read()
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()

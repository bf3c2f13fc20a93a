"""`aggregator run` as a real process: schedule, CLI changes picked up, one per data dir, clean stops."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.e2e.harness import Aggregator, free_port, http_get, wait_for
from tests.feeds import item, rss

pytestmark = pytest.mark.e2e


def daemon_env(agg: Aggregator, **extra: str) -> None:
    agg.env |= {"AGGREGATOR_SYNC_INTERVAL": "1", "AGGREGATOR_PUBLISH_DELAY": "0.2", "AGGREGATOR_HOST_DELAY": "0",
                "AGGREGATOR_PARSE_WORKERS": "1"} | extra


def eventually(check, timeout: float = 30.0, what: str = "condition"):
    """Poll `check` until it returns a truthy value (waiting on the daemon, not timing it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached within {timeout}s")


def titles(base: str, feed: str = "all.rss") -> set[str]:
    try:
        return {e.title for e in feedparser.parse(http_get(f"{base}/feeds/{feed}")).entries}
    except OSError:
        return set()


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout=30)


@pytest.fixture
def counted(httpserver: HTTPServer) -> dict[str, int]:
    """Three feeds on the upstream, with a count of requests per path."""
    hits: dict[str, int] = {}

    def serve(n: int):
        def handler(request: Request) -> Response:
            hits[request.path] = hits.get(request.path, 0) + 1
            return Response(rss([item(n, title=f"源{n}的文章")]), content_type="application/rss+xml")
        return handler

    for n in (1, 2, 3):
        httpserver.expect_request(f"/f{n}.xml").respond_with_handler(serve(n))
    return hits


def test_run_fetches_publishes_and_follows_cli_changes(tmp_path: Path, httpserver: HTTPServer, counted) -> None:
    port = free_port()
    agg = Aggregator(tmp_path, port)
    daemon_env(agg)
    agg.run("sources", "add", httpserver.url_for("/f1.xml"), "--category", "时政", "--every", "1h")
    agg.run("sources", "add", httpserver.url_for("/f2.xml"), "--category", "理论", "--every", "1h")
    proc = agg.popen("run", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz", proc)
        eventually(lambda: {"源1的文章", "源2的文章"} <= titles(base), what="both sources published")
        health = json.loads(http_get(base + "/healthz"))
        assert health["scheduler"] == "running" and health["sources"]["ok"] == 2

        # Added while running: fetched and published without a restart.
        agg.run("sources", "add", httpserver.url_for("/f3.xml"), "--category", "国际", "--every", "1h")
        eventually(lambda: "源3的文章" in titles(base, "guoji.rss"), what="the added source published")

        # Disabled, then enabled again: fetched anew at once (its interval is an hour).
        agg.run("sources", "disable", "1")
        eventually(lambda: json.loads(http_get(base + "/healthz"))["sources"]["disabled"] == 1, what="disabled")
        before = counted["/f1.xml"]
        agg.run("sources", "enable", "1")
        eventually(lambda: counted["/f1.xml"] > before, what="re-enabled source fetched")
        assert counted["/f2.xml"] == 1  # an hourly source is not fetched again meanwhile
    finally:
        code = stop(proc)
    assert code == 0, proc.stderr.read()


def test_a_second_daemon_on_the_same_data_dir_exits_1(tmp_path: Path) -> None:
    port = free_port()
    agg = Aggregator(tmp_path, port)
    daemon_env(agg)
    first = agg.popen("run", "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", first)
        second = agg.run("run", "--port", str(free_port()), check=False)
        assert second.returncode == 1
        assert "another `aggregator run`" in second.stderr and second.stderr.count("\n") == 1
    finally:
        assert stop(first, signal.SIGINT) == 0
    # The lock goes with the process: a new daemon may start.
    again = agg.popen("run", "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", again)
    finally:
        assert stop(again) == 0


def test_sigterm_lets_a_running_fetch_finish(tmp_path: Path, httpserver: HTTPServer) -> None:
    started = threading.Event()

    def slow_feed():
        started.set()
        body = rss([item(7, title="慢慢来的文章")]).encode()
        for i in range(0, len(body), 64):  # about two seconds in all
            time.sleep(0.05)
            yield body[i:i + 64]

    httpserver.expect_request("/slow.xml").respond_with_response(
        Response(slow_feed(), content_type="application/rss+xml"))
    port = free_port()
    agg = Aggregator(tmp_path, port)
    daemon_env(agg, AGGREGATOR_SHUTDOWN_GRACE="20")
    agg.run("sources", "add", httpserver.url_for("/slow.xml"), "--category", "时政", "--every", "1h")
    proc = agg.popen("run", "--port", str(port))
    try:
        assert started.wait(30), "the daemon never fetched"
    finally:
        code = stop(proc)
    assert code == 0, proc.stderr.read()
    listed = json.loads(agg.run("sources", "list", "--json").stdout)
    assert listed[0]["articles"] == 1 and listed[0]["status"] == "ok"
    assert "慢慢来的文章" in (tmp_path / "data" / "public" / "feeds" / "all.rss").read_text("utf-8")


def test_sigterm_cancels_a_fetch_that_outlasts_the_grace_time(tmp_path: Path, httpserver: HTTPServer) -> None:
    started = threading.Event()

    def endless():
        started.set()
        yield b"<rss version='2.0'><channel><title>t</title>"
        for _ in range(600):
            time.sleep(0.1)
            yield b" "

    httpserver.expect_request("/endless.xml").respond_with_response(Response(endless()))
    port = free_port()
    agg = Aggregator(tmp_path, port)
    daemon_env(agg, AGGREGATOR_SHUTDOWN_GRACE="1", AGGREGATOR_FETCH_TIMEOUT="120")
    agg.run("sources", "add", httpserver.url_for("/endless.xml"), "--category", "时政", "--every", "1h")
    proc = agg.popen("run", "--port", str(port))
    try:
        assert started.wait(30), "the daemon never fetched"
    finally:
        code = stop(proc)
    assert code == 0, proc.stderr.read()
    assert "cancelled 1 fetches" in proc.stderr.read()
    assert agg.run("sources", "list", "--json").returncode == 0  # the database is intact and readable


def test_a_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        agg = Aggregator(tmp_path, port)
        daemon_env(agg)
        done = agg.run("run", "--port", str(port), check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in done.stderr


def test_sigterm_starts_no_queued_fetch(tmp_path: Path, httpserver: HTTPServer) -> None:
    arrivals: list[float] = []

    def slow(request: Request) -> Response:
        arrivals.append(time.monotonic())
        time.sleep(0.5)
        return Response(rss([item(1)]), content_type="application/rss+xml")

    for n in range(12):
        httpserver.expect_request(f"/q{n}.xml").respond_with_handler(slow)
    port = free_port()
    agg = Aggregator(tmp_path, port)
    daemon_env(agg, AGGREGATOR_MAX_CONCURRENCY="1", AGGREGATOR_SHUTDOWN_GRACE="20")
    for n in range(12):
        agg.run("sources", "add", httpserver.url_for(f"/q{n}.xml"), "--category", f"c{n}", "--every", "1h")
    proc = agg.popen("run", "--port", str(port))
    try:
        eventually(lambda: len(arrivals) >= 2, what="fetching under way")
    finally:
        stopped_at = time.monotonic()
        code = stop(proc)
    assert code == 0, proc.stderr.read()
    late = [t for t in arrivals if t > stopped_at]
    assert len(late) <= 1, f"{len(late)} fetches started after SIGTERM"  # at most one already on its way
    assert len(arrivals) < 12

"""Links point where the site is served: base_url when set, else the host and port actually bound.
A taken port is one line and exit 1, before anything is fetched."""

from __future__ import annotations

import signal
import socket
import sqlite3
from pathlib import Path

import lxml.html
import pytest
from pytest_httpserver import HTTPServer

from tests.e2e.harness import Aggregator, free_port, http_get, wait_for
from tests.feeds import item, rss

pytestmark = pytest.mark.e2e


def links_of(html: bytes) -> set[str]:
    doc = lxml.html.fromstring(html)
    return {el.get("href") for el in doc.iter("link", "a") if el.get("href", "").startswith("http")}


def stop(proc) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.mark.parametrize("command", ["serve", "run"])
def test_without_base_url_links_use_the_port_served(tmp_path: Path, command: str) -> None:
    port = free_port()
    agg = Aggregator(tmp_path, port)
    del agg.env["AGGREGATOR_BASE_URL"]
    agg.run("categories", "add", "fanfu", "--name", "反腐纪实")
    proc = agg.popen(command, "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/", proc)
        links = links_of(http_get(f"http://127.0.0.1:{port}/"))
        assert f"http://127.0.0.1:{port}/style.css" in links
        assert f"http://127.0.0.1:{port}/feeds/fanfu.rss" in links
        assert not any(":8080/" in link for link in links)
    finally:
        stop(proc)
    # A later command on the same data dir keeps linking to where the site was served.
    listed = agg.run("categories", "list", "--json").stdout
    assert f"http://127.0.0.1:{port}/feeds/fanfu.rss" in listed


def test_a_set_base_url_is_used_as_it_is(tmp_path: Path) -> None:
    port = free_port()
    agg = Aggregator(tmp_path, port)
    agg.env["AGGREGATOR_BASE_URL"] = "https://news.example.cn/site/"
    agg.run("categories", "add", "fanfu", "--name", "反腐纪实")
    proc = agg.popen("serve", "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/", proc)
        links = links_of(http_get(f"http://127.0.0.1:{port}/"))
        assert "https://news.example.cn/site/style.css" in links
        assert not any("127.0.0.1" in link for link in links)
    finally:
        stop(proc)


def test_run_on_a_taken_port_is_one_line_exit_1_and_fetches_nothing(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss([item(1)]), content_type="application/rss+xml")
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        agg = Aggregator(tmp_path, port)
        agg.run("sources", "add", httpserver.url_for("/feed"), "--category", "a")  # due at once
        done = agg.run("run", "--port", str(port), check=False)
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]
        assert len(httpserver.log) == 0
        with sqlite3.connect(tmp_path / "data" / "aggregator.db") as conn:
            assert conn.execute("select count(*) from articles").fetchone()[0] == 0
        served = agg.run("serve", "--port", str(port), check=False)
        assert served.returncode == 1 and served.stderr.count("\n") == 1
    finally:
        holder.close()

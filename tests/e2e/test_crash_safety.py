"""kill -9 in the middle of ingesting and publishing: nothing committed is lost, no file is half written."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from lxml import etree
from pytest_httpserver import HTTPServer

from tests.e2e.harness import Aggregator, free_port, wait_for
from tests.e2e.test_daemon import daemon_env, eventually, stop
from tests.feeds import rss

pytestmark = pytest.mark.e2e
SOURCES, ITEMS = 24, 80


WORDS = ("纪检", "监察", "巡视", "整改", "干部", "群众", "基层", "作风", "廉洁", "制度", "监督", "执纪", "问责",
         "审查", "调查", "通报", "会议", "部署", "落实", "责任", "政治", "纪律", "规矩", "党建", "改革", "发展")


def unique_text(n: int, i: int) -> str:
    """Text of its own for item i of source n: a shared template would be one story (near-duplicates)."""
    rng = random.Random(n * 10_000 + i)
    return "".join(rng.choice(WORDS) + ("。" if rng.random() < 0.1 else "") for _ in range(200))


def big_feed(n: int) -> str:
    # Every item its own text: the same body from another source would be one story seen twice.
    return rss([{"title": f"源{n}第{i}篇", "link": f"http://u.test/{n}/{i}.html", "guid": f"http://u.test/{n}/{i}",
                 "description": f"<p>源{n}第{i}篇。{unique_text(n, i)}</p>",
                 "pubDate": f"Sun, 03 Nov 2024 {i % 24:02d}:{i % 60:02d}:00 +0800"}
                for i in range(ITEMS)])


def count_articles(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return conn.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def check_published_files(public: Path) -> int:
    """Every feed parses as a whole document; every page is complete. Returns the number checked."""
    checked = 0
    for path in sorted((public / "feeds").glob("*.*")):
        if path.name.startswith("."):
            continue  # a temporary file a killed writer left behind; never served
        if path.suffix == ".json":
            assert json.loads(path.read_bytes())["version"].startswith("https://jsonfeed.org/"), path
        else:
            root = etree.fromstring(path.read_bytes())  # raises on a truncated document
            assert root.tag in ("rss", "{http://www.w3.org/2005/Atom}feed"), path
        checked += 1
    for path in (public / "articles").glob("*.html"):
        assert path.read_bytes().rstrip().endswith(b"</html>"), path
        checked += 1
    return checked


def test_kill_9_during_ingest_and_publish_loses_nothing(tmp_path: Path, httpserver: HTTPServer) -> None:
    for n in range(SOURCES):
        httpserver.expect_request(f"/f{n}.xml").respond_with_data(big_feed(n), content_type="application/rss+xml")
    port = free_port()
    agg = Aggregator(tmp_path, port)
    daemon_env(agg, AGGREGATOR_PUBLISH_DELAY="0")
    for n in range(SOURCES):
        agg.run("sources", "add", httpserver.url_for(f"/f{n}.xml"), "--category", f"c{n % 4}", "--every", "1h")
    db = tmp_path / "data" / "aggregator.db"
    public = tmp_path / "data" / "public"

    # Kill at several points: early in the first ingests, then later, while pages are being written.
    for delay in (0.0, 0.3, 0.8):
        proc = agg.popen("run", "--port", str(port))
        eventually(lambda: count_articles(db) > 0 or proc.poll() is not None, what="first articles")
        time.sleep(delay)
        committed = count_articles(db)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("select count(*) from articles").fetchone()[0] >= committed
        if public.exists():
            check_published_files(public)

    # The next run catches up: every source fetched, every article stored and published.
    proc = agg.popen("run", "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        eventually(lambda: count_articles(db) == SOURCES * ITEMS, timeout=120, what="all articles stored")
        eventually(lambda: len(list((public / "articles").glob("*.html"))) == SOURCES * ITEMS, timeout=120,
                   what="all article pages written")
        statuses = {s["status"] for s in json.loads(agg.run("sources", "list", "--json").stdout)}
        assert statuses == {"ok"}
        assert check_published_files(public) >= SOURCES * ITEMS + 10
    finally:
        assert stop(proc) == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_disk_full_is_a_clear_error_and_corrupts_nothing(tmp_path: Path, httpserver: HTTPServer) -> None:
    data = tmp_path / "data"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(data)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        httpserver.expect_request("/small.xml").respond_with_data(big_feed(1)[:2000] + "</channel></rss>",
                                                                  content_type="application/rss+xml")
        for n in range(6):
            httpserver.expect_request(f"/big{n}.xml").respond_with_data(big_feed(n), content_type="application/rss+xml")
        agg = Aggregator(tmp_path, free_port())
        agg.run("sources", "add", httpserver.url_for("/small.xml"), "--category", "a")
        assert agg.run("fetch").returncode == 0
        before = count_articles(data / "aggregator.db")
        assert before > 0
        for n in range(6):
            agg.run("sources", "add", httpserver.url_for(f"/big{n}.xml"), "--category", "b")
        done = agg.run("fetch", "--json", check=False)
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
        if done.returncode == 0:
            errors = [s["error"] for s in json.loads(done.stdout)["sources"] if s["error"]]
            assert any("full" in e for e in errors), errors
        else:
            # Sources whose failure could not be recorded are logged as they happen; the command
            # itself ends in one line saying what went wrong.
            last = done.stderr.strip().splitlines()[-1]
            assert last.startswith("error: ") and ("full" in last or "No space" in last), done.stderr
        with sqlite3.connect(data / "aggregator.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("select count(*) from articles").fetchone()[0] >= before
        check_published_files(data / "public")
    finally:
        subprocess.run(["umount", "-l", str(data)], check=False)

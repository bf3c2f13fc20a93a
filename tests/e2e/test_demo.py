"""`aggregator demo` on a machine without internet: the sample upstream is ingested, published and
served, the printed URLs answer, and Ctrl-C stops it and removes its data."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_the_demo_serves_the_sample_site_and_cleans_up(tmp_path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "aggregator", "demo", "--port", "0"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any(line.startswith("open ") for line in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        text = "".join(lines)
        site = re.search(r"^open (http://127\.0\.0\.1:\d+/)", text, re.M).group(1)
        data = Path(re.search(r"stored in (\S+)", text).group(1))
        assert re.search(r"4 sample sources fetched .*, 7 articles", text), text
        index = urllib.request.urlopen(site, timeout=10).read().decode("utf-8")
        assert "时政要闻" in index and "快讯" in index and "反腐纪实" in index
        column = urllib.request.urlopen(f"{site}categories/kuaixun", timeout=10).read().decode("utf-8")
        article = re.search(r'href="([^"]+/articles/[0-9a-f]{16})"', column).group(1)
        page = urllib.request.urlopen(article, timeout=10).read().decode("utf-8")
        assert "原文链接" in page and "本文来源于网络转载" in page
        assert "下一阶段" in page or "城市管理局提醒" in page or "省文化和旅游厅还将" in page  # the full text
        found = urllib.request.urlopen(f"{site}search?q={urllib.parse.quote('纪委')}", timeout=10).read().decode("utf-8")
        assert "<mark>纪委</mark>" in found
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert not data.exists()

"""`pip install .` into a fresh virtual environment gives a working `aggregator`, templates and demo
included (not only the editable checkout the other tests use). In the slow target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[2]


def test_pip_install_gives_a_working_command(tmp_path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    command = str(venv / "bin" / "aggregator")
    data = str(tmp_path / "data")
    assert subprocess.run([command, "--version"], capture_output=True, text=True, check=True).stdout.startswith(
        "aggregator")
    subprocess.run([command, "--data-dir", data, "categories", "add", "news", "--name", "新闻"], check=True,
                   capture_output=True, cwd=tmp_path)
    published = subprocess.run([command, "--data-dir", data, "publish"], capture_output=True, text=True, cwd=tmp_path)
    assert published.returncode == 0, published.stderr
    public = tmp_path / "data" / "public"
    for name in ("index.html", "style.css", "404.html", "feeds/news.rss", "feeds/news.json", "feeds.opml"):
        assert (public / name).is_file(), name
    # The demo's fixtures are part of the package too.
    check = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "from aggregator.demo import upstream_files; print(len(upstream_files('http://x')))"],
                           capture_output=True, text=True, check=True)
    assert int(check.stdout) >= 8

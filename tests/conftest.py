"""Shared fixtures: settings and a real SQLite file under tmp_path, a real HTTP upstream on 127.0.0.1.

The upstream is pytest-httpserver (a real werkzeug server on a free loopback
port), not a mock of the client. Tests never reach the internet.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aggregator import store
from aggregator.config import Config

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AGGREGATOR_* variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("AGGREGATOR_"):
            monkeypatch.delenv(name)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Settings for a test: private networks allowed (the upstream is 127.0.0.1), parsing in-process,
    no full-text or image fetches unless a test asks for them."""
    # Full text and image mirroring would follow the fixtures' made-up links (upstream.test ...) out
    # of the machine: off here, on in the tests of those features.
    return Config(data_dir=tmp_path / "data", allow_private_networks=True, parse_workers=1, host_delay=0,
                  site_name="测试资讯网", base_url="http://127.0.0.1:8080/", full_text="never",
                  mirror_images=False)


@pytest.fixture
def db(config: Config):
    """A migrated database file in tmp_path."""
    database = store.open_db(config.db_path)
    yield database
    database.close()


def data_file(*parts: str) -> bytes:
    """Bytes of a fixture under tests/data."""
    return DATA.joinpath(*parts).read_bytes()


@pytest.fixture
def threaded_httpserver():
    """A real upstream that answers requests in parallel (the default one answers one at a time)."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()

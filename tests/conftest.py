"""Shared fixtures: settings and a real SQLite file under tmp_path, a real HTTP upstream on 127.0.0.1.

The upstream is pytest-httpserver (a real werkzeug server on a free loopback
port), not a mock of the client. Tests never reach the internet.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from aiohttp import web

from aggregator import store
from aggregator.config import Config
from aggregator.serve import make_app

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


@pytest.fixture
def live_site():
    """A function starting the server app (make_app) for `config` and `db` on a free 127.0.0.1 port
    in a thread of its own; `extend(app)` may add routes first. Returns the base URL (no trailing
    slash). Every server started is stopped after the test."""
    loops = []

    def start(config: Config, db, extend=None) -> str:
        loop = asyncio.new_event_loop()
        ready, state = threading.Event(), {}

        async def run() -> None:
            app = make_app(config, db)
            if extend is not None:
                extend(app)
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            state["port"] = runner.addresses[0][1]
            ready.set()

        threading.Thread(target=lambda: (loop.run_until_complete(run()), loop.run_forever()), daemon=True).start()
        assert ready.wait(10), "the test server did not start"
        loops.append(loop)
        return f"http://127.0.0.1:{state['port']}"

    yield start
    for loop in loops:
        loop.call_soon_threadsafe(loop.stop)

"""The HTTP client against a real server on 127.0.0.1: validators, limits, redirects, the guard."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator.config import Config
from aggregator.errors import FetchError
from aggregator.fetch import Fetcher, parse_retry_after
from aggregator.fetch import guard


def fetch(config: Config, url: str, **kwargs):
    async def go():
        async with Fetcher(config) as fetcher:
            return await fetcher.fetch(url, **kwargs)
    return asyncio.run(go())


def test_sends_user_agent_and_returns_body_and_headers(config: Config, httpserver: HTTPServer) -> None:
    seen = {}

    def handler(request: Request) -> Response:
        seen["ua"] = request.headers.get("User-Agent")
        return Response(b"<rss/>", content_type="application/rss+xml", headers={"ETag": '"v1"'})

    httpserver.expect_request("/feed").respond_with_handler(handler)
    result = fetch(config, httpserver.url_for("/feed"))
    assert result.status == 200 and result.body == b"<rss/>"
    assert result.headers["etag"] == '"v1"'
    assert result.content_type == "application/rss+xml"
    assert seen["ua"].startswith("aggregator/") and "+http" in seen["ua"]


def test_conditional_get_sends_validators_and_reports_304(config: Config, httpserver: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"' and request.headers.get("If-Modified-Since"):
            return Response(status=304)
        return Response(b"full", status=200)

    httpserver.expect_request("/feed").respond_with_handler(handler)
    result = fetch(config, httpserver.url_for("/feed"), etag='"v1"', last_modified="Sun, 03 Nov 2024 02:55:33 GMT")
    assert result.not_modified and result.body == b""
    assert fetch(config, httpserver.url_for("/feed")).body == b"full"


def test_gzip_and_deflate_bodies_are_decoded(config: Config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gz").respond_with_data(gzip.compress(b"hello gzip"),
                                                       headers={"Content-Encoding": "gzip"})
    httpserver.expect_request("/zz").respond_with_data(zlib.compress(b"hello deflate"),
                                                       headers={"Content-Encoding": "deflate"})
    assert fetch(config, httpserver.url_for("/gz")).body == b"hello gzip"
    assert fetch(config, httpserver.url_for("/zz")).body == b"hello deflate"


def test_body_over_the_limit_is_refused(config: Config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 300_000)
    small = config.with_overrides(max_body_bytes=100_000)
    with pytest.raises(FetchError, match="too large: over 100000 bytes"):
        fetch(small, httpserver.url_for("/big"))


def test_gzip_bomb_is_cut_at_the_limit_of_decoded_bytes(config: Config, httpserver: HTTPServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 KB on the wire, 50 MB decoded
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="too large"):
        fetch(config.with_overrides(max_body_bytes=1_000_000), httpserver.url_for("/bomb"))


def test_redirects_are_followed_and_permanence_reported(config: Config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_response(Response(status=301, headers={"Location": "/new"}))
    httpserver.expect_request("/tmp").respond_with_response(Response(status=302, headers={"Location": "/new"}))
    httpserver.expect_request("/new").respond_with_data(b"here")
    moved = fetch(config, httpserver.url_for("/old"))
    assert moved.body == b"here" and moved.final_url == httpserver.url_for("/new") and moved.permanent_redirect
    assert fetch(config, httpserver.url_for("/tmp")).permanent_redirect is False


def test_redirect_loop_stops_after_the_limit(config: Config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": "/b"}))
    httpserver.expect_request("/b").respond_with_response(Response(status=302, headers={"Location": "/a"}))
    with pytest.raises(FetchError, match=r"too many redirects \(over 5\)"):
        fetch(config, httpserver.url_for("/a"))


def test_http_error_status_is_a_fetch_error_with_retry_after(config: Config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    httpserver.expect_request("/busy").respond_with_data("wait", status=503, headers={"Retry-After": "120"})
    with pytest.raises(FetchError, match="^fetch: HTTP 404$"):
        fetch(config, httpserver.url_for("/gone"))
    with pytest.raises(FetchError) as err:
        fetch(config, httpserver.url_for("/busy"))
    assert err.value.status == 503 and err.value.retry_after == 120


def test_total_timeout_cuts_a_trickling_server(config: Config, httpserver: HTTPServer) -> None:
    import time

    def trickle():
        for _ in range(20):
            yield b"x"
            time.sleep(0.2)

    httpserver.expect_request("/slow").respond_with_response(Response(trickle()))
    with pytest.raises(FetchError, match="timeout after 1 s"):
        fetch(config.with_overrides(fetch_timeout=1.0), httpserver.url_for("/slow"))


def test_connection_refused_is_a_fetch_error(config: Config) -> None:
    with pytest.raises(FetchError, match="connection failed"):
        fetch(config, "http://127.0.0.1:9/feed")


def test_private_addresses_are_refused_by_default(httpserver: HTTPServer, config: Config) -> None:
    strict = config.with_overrides(allow_private_networks=False)
    httpserver.expect_request("/feed").respond_with_data(b"secret")
    with pytest.raises(FetchError, match="refused: private address 127.0.0.1"):
        fetch(strict, httpserver.url_for("/feed"))
    with pytest.raises(FetchError, match=r"refused: private address .* \(set allow_private_networks = true"):
        fetch(strict, f"http://localhost:{httpserver.port}/feed")  # a name that resolves to loopback


@pytest.mark.parametrize("address", [
    "2002:7f00:1::1",          # 6to4 around 127.0.0.1
    "2002:a00:5::1",           # 6to4 around 10.0.0.5
    "2002:a9fe:a9fe::1",       # 6to4 around 169.254.169.254
    "64:ff9b::7f00:1",         # NAT64 well-known prefix around 127.0.0.1
    "64:ff9b::a00:5",          # NAT64 around 10.0.0.5
    "64:ff9b:1::a00:5",        # NAT64 local-use prefix
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo whose client is 127.0.0.1 (obfuscated)
    "::127.0.0.1",             # IPv4-compatible
    "::ffff:10.0.0.5",         # IPv4-mapped
])
def test_ipv6_transition_forms_hiding_a_private_ipv4_are_refused(address: str) -> None:
    assert guard.is_public(address) is False


@pytest.mark.parametrize("address", ["2002:808:808::1", "64:ff9b::808:808", "8.8.8.8", "2400:3200::1"])
def test_public_addresses_and_transition_forms_of_public_ipv4_pass(address: str) -> None:
    assert guard.is_public(address) is True


def test_a_6to4_literal_around_loopback_is_refused_before_connecting(config: Config) -> None:
    strict = config.with_overrides(allow_private_networks=False)
    with pytest.raises(FetchError, match=r"refused: private address 2002:7f00:1::1 \(set allow_private_networks"):
        fetch(strict, "http://[2002:7f00:1::1]:8080/feed")


def test_redirect_hop_to_link_local_is_refused(httpserver: HTTPServer, config: Config,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Treat the test server's own 127.0.0.1 as public so the first hop passes; the guard
    # must still stop the second hop, to the cloud metadata address.
    real = guard.is_public
    monkeypatch.setattr(guard, "is_public", lambda a: a == "127.0.0.1" or real(a))
    httpserver.expect_request("/r").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    with pytest.raises(FetchError, match="refused: private address 169.254.169.254"):
        fetch(config.with_overrides(allow_private_networks=False), httpserver.url_for("/r"))


@pytest.mark.parametrize("address, public", [
    ("8.8.8.8", True), ("10.0.0.5", False), ("192.168.1.1", False), ("172.16.0.1", False),
    ("127.0.0.1", False), ("169.254.169.254", False), ("100.64.0.1", False), ("::1", False),
    ("::ffff:127.0.0.1", False), ("fe80::1", False), ("2001:4860:4860::8888", True), ("224.0.0.1", False),
])
def test_is_public(address: str, public: bool) -> None:
    assert guard.is_public(address) is public


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Sun, 03 Nov 2024 10:00:30 GMT", now=1730628000.0) == 30
    assert parse_retry_after("soon") is None


def test_requests_to_one_host_are_spaced_by_host_delay(config: Config, httpserver: HTTPServer) -> None:
    starts: list[float] = []

    def handler(request: Request) -> Response:
        import time
        starts.append(time.monotonic())
        return Response(b"ok")

    httpserver.expect_request("/p").respond_with_handler(handler)

    async def go():
        async with Fetcher(config.with_overrides(host_delay=0.3)) as fetcher:
            await asyncio.gather(*(fetcher.fetch(httpserver.url_for("/p")) for _ in range(3)))

    asyncio.run(go())
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(starts) == 3 and all(gap >= 0.25 for gap in gaps), gaps  # spacing, not speed


def test_an_unparseable_url_is_a_fetch_error(config: Config) -> None:
    with pytest.raises(FetchError, match=r"invalid URL http://\[::1"):
        fetch(config, "http://[::1")


def test_host_delay_holds_when_two_connections_free_at_once(config: Config, threaded_httpserver: HTTPServer) -> None:
    httpserver = threaded_httpserver
    import time

    starts: list[float] = []
    # The first two requests end together (one started 0.3 s later but is quicker), freeing
    # both connections at once; the next two must still start host_delay apart.
    durations = iter([1.0, 0.7, 0.1, 0.1])

    def handler(request: Request) -> Response:
        starts.append(time.monotonic())
        time.sleep(next(durations))
        return Response(b"ok")

    httpserver.expect_request("/slow").respond_with_handler(handler)

    async def go():
        async with Fetcher(config.with_overrides(host_delay=0.3, per_host_limit=2)) as fetcher:
            await asyncio.gather(*(fetcher.fetch(httpserver.url_for("/slow")) for _ in range(4)))

    asyncio.run(go())
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(starts) == 4 and min(gaps) >= 0.25, gaps  # spacing between starts, whatever the speed


def test_a_private_address_is_refused_before_it_takes_a_politeness_turn(tmp_path) -> None:
    """No request is sent to a refused address, so it neither waits for nor uses up the host's
    delay: 500 sources on 127.0.0.1 used to be refused one host_delay apart."""
    config = Config(data_dir=tmp_path / "data", host_delay=30.0)

    async def scenario() -> dict:
        async with Fetcher(config) as fetcher:
            for n in range(3):
                with pytest.raises(FetchError, match="refused: private address 127.0.0.1") as caught:
                    await fetcher.fetch(f"http://127.0.0.1:9/feed{n}.xml")
                assert caught.value.url == f"http://127.0.0.1:9/feed{n}.xml"
            return dict(fetcher._pacer._next)

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=20)) == {}

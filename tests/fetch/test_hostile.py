"""Hostile upstreams against the HTTP client: each a real server on a loopback address.

Every case ends in one FetchError whose message is a short reason a person can act
on; none may hang, crash, or hold more memory than the size limit. Behaviour werkzeug
cannot produce (endless or trickling bodies, resets) comes from tests.hostile.RawServer.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import ssl
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator.config import Config
from aggregator.errors import FetchError
from aggregator.fetch import Fetcher, guard
from tests import hostile
from tests.hostile import MB, RawServer

ROOT = Path(__file__).resolve().parents[2]


def fetch(config: Config, url: str):
    async def go():
        async with Fetcher(config) as fetcher:
            return await fetcher.fetch(url)
    return asyncio.run(go())


def failure(config: Config, url: str) -> str:
    """The message of the FetchError fetching `url` must raise."""
    with pytest.raises(FetchError) as err:
        fetch(config, url)
    return err.value.message


@pytest.fixture
def raw():
    server = RawServer()
    yield server
    server.close()


# -- size ---------------------------------------------------------------------------------------

def test_a_body_that_never_ends_is_cut_at_the_size_limit(config: Config, raw: RawServer) -> None:
    assert config.max_body_bytes == 10 * MB
    assert failure(config, raw.route("/endless", hostile.endless())) == "too large: over 10 MB"


def test_a_gigabyte_body_is_cut_at_the_limit_with_memory_flat(raw: RawServer) -> None:
    # Measured in a fresh interpreter: ru_maxrss is a high-water mark, and this process's
    # earlier tests may already have raised it past anything a leak here would add.
    urls = [raw.route("/gigabyte", hostile.sized(1024 * MB)),
            raw.route("/endless", hostile.endless()),
            raw.route("/bomb", hostile.respond(200, {"Content-Encoding": "gzip"}, [hostile.gzip_bomb(1024)]))]
    script = textwrap.dedent("""
        import asyncio, json, resource, sys
        from aggregator.config import Config
        from aggregator.errors import FetchError
        from aggregator.fetch import Fetcher

        async def main(urls):
            messages = []
            config = Config(allow_private_networks=True, host_delay=0, max_body_bytes=10 * 1024 * 1024)
            async with Fetcher(config) as fetcher:
                for url in urls:
                    try:
                        await fetcher.fetch(url)
                        messages.append("no error")
                    except FetchError as exc:
                        messages.append(exc.message)
            return messages

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        messages = asyncio.run(main(sys.argv[1:]))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"messages": messages, "growth_kb": after - before}))
    """)
    done = subprocess.run([sys.executable, "-c", script, *urls], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True)
    report = json.loads(done.stdout)
    assert report["messages"] == ["too large: over 10 MB"] * 3
    assert report["growth_kb"] < 100 * 1024, f"peak memory grew by {report['growth_kb'] // 1024} MB"


def test_a_gzip_bomb_is_limited_by_its_decoded_bytes(config: Config, raw: RawServer) -> None:
    bomb = hostile.gzip_bomb(1024)  # 1 GB of zeros in about 1 MB
    assert len(bomb) < config.max_body_bytes  # on the wire it is well within the limit
    url = raw.route("/bomb", hostile.respond(200, {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))},
                                             [bomb]))
    assert failure(config, url) == "too large: over 10 MB"


def test_the_bomb_helper_makes_valid_gzip() -> None:
    import gzip
    assert gzip.decompress(hostile.gzip_bomb(3)) == b"\0" * (3 * MB)


def test_a_truncated_gzip_body_is_not_taken_for_the_whole(config: Config, raw: RawServer) -> None:
    import gzip
    import os
    whole = gzip.compress(os.urandom(50_000))  # incompressible, so the cut falls inside the stream
    # No Content-Length: the body ends at the close, so only the gzip stream can tell it is short.
    url = raw.route("/cut", hostile.respond(200, {"Content-Encoding": "gzip"}, [whole[:20_000]]))
    assert failure(config, url) == "connection closed before the body was complete"


@pytest.mark.parametrize("body", [b"hello world", b"\xff\xff\xff\xff"])
def test_garbage_sent_as_deflate_is_a_corrupt_body_not_a_crash(config: Config, raw: RawServer, body: bytes) -> None:
    url = raw.route("/deflate", hostile.respond(200, {"Content-Encoding": "deflate"}, [body]))
    assert failure(config, url) == "corrupt deflate body"


# -- time ---------------------------------------------------------------------------------------

def test_a_trickle_and_a_stall_are_cut_at_the_total_timeout(config: Config, raw: RawServer) -> None:
    sent: list[int] = []

    def counting_trickle(conn, stop):
        conn.sendall(hostile.head(200, {"Content-Type": "application/rss+xml", "Content-Length": "1000"}))
        while not stop.is_set():
            conn.sendall(b" ")
            sent.append(1)
            stop.wait(1.0)  # one byte a second: never idle long enough for a per-read timeout

    trickle = raw.route("/trickle", counting_trickle)
    stall = raw.route("/stall", hostile.stall_after_headers)
    quick = config.with_overrides(fetch_timeout=2)

    async def both():
        async with Fetcher(quick) as fetcher:
            return await asyncio.gather(fetcher.fetch(trickle), fetcher.fetch(stall), return_exceptions=True)

    results = asyncio.run(both())
    assert [r.message if isinstance(r, FetchError) else r for r in results] == ["timeout after 2 s"] * 2
    assert len(sent) >= 2  # the trickle was alive and sending when it was cut


def test_feeds_queued_behind_slow_siblings_on_one_host_do_not_time_out(config: Config, raw: RawServer) -> None:
    # Four half-second answers from one host, one connection at a time: the last one is
    # sent after 1.5 s of queueing. Queueing is politeness, not upstream slowness, so
    # only the time after a connection is free counts against the deadline.
    def slow(conn, stop):
        conn.sendall(hostile.head(200, {"Content-Length": "4"}))
        stop.wait(0.5)
        conn.sendall(b"done")

    urls = [raw.route(f"/slow{n}", slow) for n in range(4)]
    one_at_a_time = config.with_overrides(per_host_limit=1, fetch_timeout=1.5)

    async def all_of_them():
        async with Fetcher(one_at_a_time) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(url) for url in urls), return_exceptions=True)

    results = asyncio.run(all_of_them())
    assert [r.body if not isinstance(r, Exception) else str(r) for r in results] == [b"done"] * 4


# -- connection ---------------------------------------------------------------------------------

@pytest.mark.parametrize("script, message", [
    (hostile.reset_mid_body, "connection closed before the body was complete"),
    (hostile.close_mid_body, "connection closed before the body was complete"),
    (hostile.close_without_answer, "connection closed before any response"),
    (hostile.reset_without_answer, "connection failed: connection reset by peer"),
], ids=["reset-mid-body", "closed-mid-body", "closed-before-response", "reset-before-response"])
def test_a_connection_cut_short_is_named(config: Config, raw: RawServer, script, message: str) -> None:
    assert failure(config, raw.route("/cut", script)) == message


@pytest.mark.parametrize("reply, message", [
    (b"HELLO WORLD\r\n\r\n", "invalid HTTP response: bad status line"),
    (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
     "invalid HTTP response: got more than 8190 bytes when reading"),
    (b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 100_000 + b"\r\n", "invalid HTTP response: too many headers received"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n",
     "invalid HTTP response: invalid character in chunk size"),
], ids=["garbage", "huge-header", "endless-headers", "broken-chunks"])
def test_a_malformed_http_response_is_named_briefly(config: Config, raw: RawServer, reply: bytes,
                                                     message: str) -> None:
    url = raw.route("/bad", lambda conn, stop: conn.sendall(reply))
    assert failure(config, url) == message


# -- redirects and the address guard ------------------------------------------------------------

def test_a_redirect_loop_that_never_repeats_a_url_stops_at_the_limit(config: Config, httpserver: HTTPServer) -> None:
    def onward(request: Request) -> Response:
        n = int(request.args.get("n", "0"))
        return Response(status=307, headers={"Location": f"/loop?n={n + 1}"})

    httpserver.expect_request("/loop").respond_with_handler(onward)
    assert failure(config, httpserver.url_for("/loop")) == "too many redirects (over 5)"
    assert len(httpserver.log) == 6  # the first request and five redirects, then it stopped


@pytest.fixture
def public_hop(monkeypatch: pytest.MonkeyPatch):
    """A redirecting server on 127.0.0.2 that the guard treats as public, so only the hop after it is judged.

    (The whole of 127/8 is loopback on Linux; 127.0.0.1 stays private, so a redirect
    back to it is exactly the case under test.)
    """
    real = guard.is_public
    monkeypatch.setattr(guard, "is_public", lambda address: address == "127.0.0.2" or real(address))
    server = RawServer("127.0.0.2")
    yield server
    server.close()


@dataclass
class Secret:
    """An internal service on 127.0.0.1 and the requests that reached it."""

    port: int
    hits: list[str]


@pytest.fixture
def secret(raw: RawServer) -> Secret:
    """The internal service a redirect aims at; records every request it gets."""
    service = Secret(raw.port, [])

    def answer(conn, stop):
        service.hits.append("/secret")
        conn.sendall(hostile.head(200, {"Content-Length": "6"}) + b"secret")

    raw.route("/secret", answer)
    return service


@pytest.mark.parametrize("target, message", [
    ("http://127.0.0.1:{port}/secret", "refused: private address 127.0.0.1"),
    ("http://169.254.169.254/latest/meta-data/", "refused: private address 169.254.169.254"),
    ("http://user:pw@169.254.169.254/latest/meta-data/", "refused: private address 169.254.169.254"),
    ("http://localhost:{port}/secret", r"refused: private address (127\.0\.0\.1|::1) for localhost"),
    ("http://0x7f000001:{port}/secret", r"refused: private address 127\.0\.0\.1 for 0x7f000001"),
    ("http://2130706433:{port}/secret", "invalid URL 2130706433: is not a canonical IPv4 address"),
    ("http://[::ffff:127.0.0.1]:{port}/secret", "refused: private address ::ffff:7f00:1"),
    ("http://0.0.0.0:{port}/secret", "refused: private address 0.0.0.0"),
    ("file:///etc/passwd", "unsupported URL file:///etc/passwd"),
    ("http://[::1", r"invalid redirect to 'http://\[::1'"),
], ids=["loopback", "metadata", "metadata-with-userinfo", "localhost", "hex-ip", "decimal-ip", "v4-mapped-v6",
        "zero-address", "file-scheme", "unparseable"])
def test_a_redirect_to_a_private_address_is_refused_at_that_hop(config: Config, public_hop: RawServer, secret: Secret,
                                                                target: str, message: str) -> None:
    location = target.format(port=secret.port)
    url = public_hop.route("/go", hostile.respond(302, {"Location": location, "Content-Length": "0"}, []))
    strict = config.with_overrides(allow_private_networks=False)
    # Every refusal of an address says how to allow it.
    hint = " \\(set allow_private_networks = true to allow it\\)" if message.startswith("refused") else ""
    with pytest.raises(FetchError, match=f"^fetch: {message}{hint}$") as err:
        fetch(strict, url)
    assert err.value.url == url
    assert secret.hits == []  # refused before connecting, not after reading


def test_the_private_target_is_reached_when_private_networks_are_allowed(config: Config, public_hop: RawServer,
                                                                         secret: Secret) -> None:
    # The control for the test above: the same redirect succeeds once the guard is lifted.
    url = public_hop.route("/go", hostile.respond(
        302, {"Location": f"http://127.0.0.1:{secret.port}/secret", "Content-Length": "0"}, []))
    assert fetch(config, url).body == b"secret" and secret.hits == ["/secret"]


def test_a_name_resolving_to_loopback_is_refused(config: Config, secret: Secret) -> None:
    strict = config.with_overrides(allow_private_networks=False)
    with pytest.raises(FetchError, match=r"^fetch: refused: private address (127\.0\.0\.1|::1) for localhost \(set allow_private_networks"):
        fetch(strict, f"http://localhost:{secret.port}/secret")
    assert secret.hits == []


# -- not feeds (the fetch layer passes them on; parse refuses them) -----------------------------

def test_html_and_an_empty_200_pass_the_fetch_layer_unchanged(config: Config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/html").respond_with_data(hostile.HTML_PAGE, content_type="text/html")
    httpserver.expect_request("/empty").respond_with_data(b"", content_type="application/rss+xml")
    page, empty = fetch(config, httpserver.url_for("/html")), fetch(config, httpserver.url_for("/empty"))
    assert (page.status, page.content_type, page.body) == (200, "text/html", hostile.HTML_PAGE)
    assert (empty.status, empty.body, empty.not_modified) == (200, b"", False)


# -- TLS ----------------------------------------------------------------------------------------

def test_https_to_a_plain_http_port_is_a_tls_handshake_error(config: Config, httpserver: HTTPServer) -> None:
    url = httpserver.url_for("/feed").replace("http://", "https://")
    assert failure(config, url) == "TLS error: wrong version number (the server does not speak TLS on this port)"


@pytest.fixture
def https_server(tmp_path: Path):
    """A real HTTPS server on 127.0.0.1 with a self-signed certificate made by the openssl CLI."""
    cert, key = hostile.self_signed_cert(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/feed").respond_with_data(b"<rss/>", content_type="application/rss+xml")
    server.start()
    yield server, cert
    server.clear()
    server.stop()


def test_a_self_signed_certificate_is_refused(config: Config, https_server) -> None:
    server, cert = https_server
    url = server.url_for("/feed")
    assert url.startswith("https://")
    assert failure(config, url) == "TLS certificate error: self-signed certificate"
    # The control: a client that trusts this very certificate gets the feed, so the
    # refusal above is about trust and not a broken server.
    conn = http.client.HTTPSConnection("127.0.0.1", server.port,
                                       context=ssl.create_default_context(cafile=str(cert)))
    conn.request("GET", "/feed")
    assert conn.getresponse().read() == b"<rss/>"
    conn.close()

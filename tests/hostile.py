"""Hostile upstreams for tests: a raw socket server for what werkzeug cannot do, and hostile documents.

`RawServer` is a real TCP server on a loopback address. Each connection runs in its
own thread and gets the script registered for its path, which writes whatever bytes
it likes: a body that never ends, one byte a second, a reset in the middle of the
body. Scripts wait on the server's stop event instead of sleeping, so closing the
server ends every one of them at once and no test leaves a thread behind.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import threading
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

from tests.feeds import item, rss

MB = 1024 * 1024
CHUNK = 64 * 1024

Script = Callable[[socket.socket, threading.Event], None]


class RawServer:
    """A threaded HTTP/1.1-speaking TCP server on `host`, one script per path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._listener = socket.create_server((host, 0))
        self.host, self.port = self._listener.getsockname()[:2]
        self.routes: dict[str, Script] = {}
        self.stop = threading.Event()
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def url(self, path: str, scheme: str = "http") -> str:
        """The URL of `path` on this server."""
        return f"{scheme}://{self.host}:{self.port}{path}"

    def route(self, path: str, script: Script) -> str:
        """Answer `path` with `script`; returns its URL."""
        self.routes[path] = script
        return self.url(path)

    def close(self) -> None:
        """Stop every script and connection, and the listener."""
        self.stop.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for conn in self._conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in [self._accepter, *self._threads]:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._conns.add(conn)
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            parts = head.split(b"\r\n", 1)[0].split()
            path = parts[1].decode("latin-1") if len(parts) > 1 else "/"
            script = self.routes.get(path, not_found)
            script(conn, self.stop)
        except OSError:
            pass  # the client went away: that is what most hostile tests make it do
        finally:
            with self._lock:
                self._conns.discard(conn)
            conn.close()


def head(status: int = 200, headers: dict[str, str] | None = None) -> bytes:
    """A status line and headers, ready to send."""
    lines = [f"HTTP/1.1 {status} X", "Connection: close", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def not_found(conn: socket.socket, stop: threading.Event) -> None:
    """The answer for an unknown path."""
    conn.sendall(head(404, {"Content-Length": "0"}))


def respond(status: int, headers: dict[str, str], chunks: Iterable[bytes]) -> Script:
    """A script sending `headers` then every chunk, until done, the client leaves or the server stops."""
    def script(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head(status, headers))
        for chunk in chunks:
            if stop.is_set():
                return
            conn.sendall(chunk)
    return script


def endless(content_type: str = "application/rss+xml") -> Script:
    """A body with no length that never ends: the same 64 KB, forever."""
    def chunks() -> Iterable[bytes]:
        block = b"<item><title>x</title></item>" * (CHUNK // 29)
        yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        while True:
            yield block
    return lambda conn, stop: respond(200, {"Content-Type": content_type}, chunks())(conn, stop)


def sized(total: int, content_type: str = "application/rss+xml") -> Script:
    """A body of `total` bytes with a truthful Content-Length, generated as it is sent (nothing held)."""
    def chunks() -> Iterable[bytes]:
        block = b" " * CHUNK
        sent = 0
        while sent < total:
            piece = block[:min(CHUNK, total - sent)]
            sent += len(piece)
            yield piece
    return lambda conn, stop: respond(200, {"Content-Type": content_type, "Content-Length": str(total)},
                                      chunks())(conn, stop)


def trickle(every: float = 1.0) -> Script:
    """A feed sent one byte every `every` seconds (a slowloris upstream)."""
    def script(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head(200, {"Content-Type": "application/rss+xml", "Content-Length": "100000"}))
        body = b'<?xml version="1.0"?><rss version="2.0">' + b" " * 100_000
        for byte in body:
            conn.sendall(bytes([byte]))
            if stop.wait(every):
                return
    return script


def stall_after_headers(conn: socket.socket, stop: threading.Event) -> None:
    """Headers promising a body that never comes."""
    conn.sendall(head(200, {"Content-Type": "application/rss+xml", "Content-Length": "5000"}))
    stop.wait()


def reset_mid_body(conn: socket.socket, stop: threading.Event) -> None:
    """Half of the promised body, then a TCP reset (SO_LINGER 0 makes close() send RST)."""
    conn.sendall(head(200, {"Content-Type": "application/rss+xml", "Content-Length": "20000"}))
    conn.sendall(b'<?xml version="1.0"?><rss version="2.0"><channel>' + b" " * 10_000)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def close_mid_body(conn: socket.socket, stop: threading.Event) -> None:
    """Half of the promised body, then an orderly close (FIN): the body is short."""
    conn.sendall(head(200, {"Content-Type": "application/rss+xml", "Content-Length": "20000"}))
    conn.sendall(b'<?xml version="1.0"?><rss version="2.0"><channel>' + b" " * 10_000)


def close_without_answer(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, answer nothing, close."""


def reset_without_answer(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, answer nothing, reset the connection."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def gzip_bomb(decoded_mb: int) -> bytes:
    """A valid gzip stream of `decoded_mb` MB of zeros, about 1 KB per decoded MB.

    One full-flushed deflate segment of 1 MB of zeros depends on nothing before it,
    so it is repeated rather than compressing the whole size (which takes seconds).
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = deflate.compress(b"\0" * MB) + deflate.flush(zlib.Z_FULL_FLUSH)
    final = deflate.flush(zlib.Z_FINISH)
    crc = 0
    zeros = b"\0" * MB
    for _ in range(decoded_mb):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (decoded_mb * MB) & 0xFFFFFFFF)
    return header + segment * decoded_mb + final + trailer


BILLION_LAUGHS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><link>http://upstream.test/</link>
<item><title>&lol9;</title><link>http://upstream.test/a/1</link></item></channel></rss>
"""


def quadratic_blowup(size: int = 50_000, uses: int = 2_000) -> str:
    """One big entity referenced many times: no nesting, quadratic work (size * uses characters)."""
    refs = "&a;" * uses
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [<!ENTITY a "{"x" * size}">]>\n'
            f'<rss version="2.0"><channel><title>q</title><link>http://upstream.test/</link>'
            f"<item><title>t</title><link>http://upstream.test/a/1</link><description>{refs}</description>"
            f"</item></channel></rss>")


def many_items(count: int) -> bytes:
    """An RSS feed of `count` small, undated items, in document order."""
    items = "".join(f"<item><title>条目{n}</title><link>http://upstream.test/m/{n}</link></item>"
                    for n in range(count))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>巨型源</title>'
            f"<link>http://upstream.test/</link><description>d</description>{items}</channel></rss>"
            ).encode("utf-8")


def invalid_utf8_feed() -> bytes:
    """An ordinary feed declared UTF-8 with two broken spots: a character cut short, a stray 0xFF."""
    body = rss([item(n) for n in range(1, 6)]).encode("utf-8")
    cut = "篇".encode("utf-8")[:-1]  # the first two of its three bytes
    body = body.replace("第3篇 文章".encode("utf-8"), "第3".encode("utf-8") + cut + " 文章".encode("utf-8"), 1)
    return body.replace("正文第4段".encode("utf-8"), b"\xff" + "正文第4段".encode("utf-8"), 1)


def short_broken_utf8_feed() -> bytes:
    """A one-item feed declared UTF-8 where a good share of the non-ASCII bytes are broken."""
    title = "坏字节".encode("utf-8") + b"\x80 and \xe6\x96"  # a stray continuation byte, 新 cut short
    return (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>UTF-8 \xe6\xba\x90</title>'
            b"<link>http://upstream.test/</link><description>d</description>"
            b"<item><title>" + title + b"</title><link>http://upstream.test/u/1</link>"
            b"<description>\xe6\xad\xa3\xe6\x96\x87\xe5\x86\x85\xe5\xae\xb9\xff\xfe</description>"
            b"<pubDate>Sun, 03 Nov 2024 10:55:33 +0800</pubDate></item></channel></rss>")


HTML_PAGE = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>Not a feed</h1></body></html>"


def self_signed_cert(directory: Path, ip: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate for `ip` made with the openssl CLI: (cert, key).

    The name matches, so the only fault a client can find is that nobody it trusts signed it.
    """
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={ip}",
         "-addext", f"subjectAltName=IP:{ip}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key

"""Reading a response body within a byte budget, decompressing ourselves.

aiohttp's automatic decompression would inflate a whole network chunk at once, so
a gzip bomb could allocate far past the limit before we see it. Here every step of
inflation is capped, and the limit applies to decoded bytes.
"""

from __future__ import annotations

import zlib

from aiohttp import ClientResponse

from ..errors import FetchError

CHUNK = 64 * 1024


def _too_large(limit: int) -> FetchError:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return FetchError(f"too large: over {size}")


class _Inflater:
    """Incremental gzip/deflate decoder that never produces more than asked for."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS)
        self._raw_fallback = encoding == "deflate"
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            out = self._d.decompress(data, room)
        except zlib.error:
            if not (self._raw_fallback and not self._started):
                raise FetchError(f"corrupt {self.encoding} body") from None
            # Some servers send raw deflate without the zlib header.
            self._d = zlib.decompressobj(-zlib.MAX_WBITS)
            self._raw_fallback = False
            try:
                out = self._d.decompress(data, room)
            except zlib.error:  # neither zlib nor raw deflate: garbage, not a crash
                raise FetchError(f"corrupt {self.encoding} body") from None
        self._started = True
        return out

    @property
    def pending(self) -> bytes:
        return self._d.unconsumed_tail

    @property
    def truncated(self) -> bool:
        """Data came but the compressed stream never reached its end."""
        return self._started and not self._d.eof


async def read_limited(resp: ClientResponse, limit: int) -> bytes:
    """The decoded body, or FetchError("too large: ...") as soon as it passes `limit` bytes."""
    encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise FetchError(f"unsupported content-encoding {encoding!r}")
    inflater = _Inflater(encoding) if encoding not in ("identity", "") else None
    parts: list[bytes] = []
    total = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        if inflater is None:
            total += len(chunk)
            if total > limit:
                raise _too_large(limit)
            parts.append(chunk)
            continue
        data = chunk
        while data:
            out = inflater.feed(data, limit - total + 1)
            total += len(out)
            if total > limit:
                raise _too_large(limit)
            parts.append(out)
            data = inflater.pending
    # A close-delimited body cut by a reset looks complete to aiohttp; a compressed one
    # at least tells us, and half a document must not pass for the whole of it.
    if inflater is not None and inflater.truncated:
        raise FetchError("connection closed before the body was complete")
    return b"".join(parts)

"""The HTTP client: conditional GET, bounded time and size, guarded redirects.

One aiohttp session per cycle; each request has a total deadline covering every
redirect hop and the whole body, so a server trickling a byte a second is cut off.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import ssl
import time
from datetime import datetime, timezone
from urllib.parse import urljoin

import aiohttp
from yarl import URL

from ..config import Config
from ..errors import FetchError
from ..model import FetchResult
from .body import read_limited
from .guard import check_ip_literal, make_resolver
from .pacer import HostPacer

_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}


def _ssl_reason(exc: BaseException) -> str:
    """OpenSSL's reason without "[SSL: CODE]" and "(_ssl.c:1006)"; a hint when the port is plain HTTP."""
    text = getattr(exc, "strerror", None) or str(exc)
    text = re.sub(r"\s*\(_ssl\.c:\d+\)$", "", re.sub(r"^\[[^\]]*\]\s*", "", text))
    if getattr(exc, "reason", None) == "WRONG_VERSION_NUMBER":
        text += " (the server does not speak TLS on this port)"
    return text


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now_dt = datetime.fromtimestamp(now if now is not None else time.time(), timezone.utc)
    return max(0.0, (when - now_dt).total_seconds())


class Fetcher:
    """An async context manager holding the session; `fetch` gets one URL."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None
        self._pacer = HostPacer(config.host_delay)
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._global = asyncio.Semaphore(config.max_concurrency)
        # Set at shutdown: requests still queued give up instead of starting (see fetch()).
        self.stopping = False

    async def __aenter__(self) -> Fetcher:
        connector = aiohttp.TCPConnector(
            limit=self.config.max_concurrency,
            limit_per_host=self.config.per_host_limit,
            resolver=make_resolver(self.config.allow_private_networks),
            ttl_dns_cache=60,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            headers={"User-Agent": self.config.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.config.fetch_timeout),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    accept: str | None = None, referer: str | None = None,
                    max_bytes: int | None = None, form: dict[str, str] | None = None) -> FetchResult:
        """GET `url` with validators; a 304 comes back as not_modified, errors as FetchError.
        `referer` is sent as Referer (images of hotlink-protected sites); `max_bytes` lowers the
        body cap below max_body_bytes; `form` makes it a POST of that form (WebSub pings), whose
        redirects are not followed."""
        try:
            host = URL(url).host or ""
        except ValueError:
            raise FetchError(f"invalid URL {url}", url=url) from None
        if not self.config.allow_private_networks:
            try:  # refused at once: no request is sent, so there is no host to be polite to
                check_ip_literal(host)
            except FetchError as exc:
                exc.url = url
                raise
        # Queueing is politeness, not slowness, so it happens before the deadline starts (inside
        # it, feeds queued behind slow siblings on one host timed out without having been sent).
        # Order matters: a free connection to the host first, then the host's delay (so two
        # connections freed together still start host_delay apart), and only then one of the
        # global slots, so a busy site waiting on its own delay never holds slots other hosts need.
        slot = self._slots.setdefault(host, asyncio.Semaphore(self.config.per_host_limit))
        await slot.acquire()
        try:
            await self._pacer.wait(host)
            await self._global.acquire()
        except BaseException:
            slot.release()
            raise
        if self.stopping:
            self._global.release()
            slot.release()
            raise asyncio.CancelledError("the fetcher is stopping")  # never started: nothing to record
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.config.fetch_timeout):
                return await self._fetch(url, etag, last_modified, accept, started, referer,
                                         min(max_bytes or self.config.max_body_bytes, self.config.max_body_bytes),
                                         form)
        except TimeoutError:
            raise FetchError(f"timeout after {self.config.fetch_timeout:g} s", url=url) from None
        except FetchError as exc:
            exc.url = exc.url or url
            raise
        except aiohttp.ClientConnectorCertificateError as exc:
            # verify_message is the reason alone ("self-signed certificate"), without OpenSSL's decoration.
            cert_error = exc.certificate_error
            reason = getattr(cert_error, "verify_message", None) or _ssl_reason(cert_error)
            raise FetchError(f"TLS certificate error: {reason}", url=url) from None
        except (aiohttp.ClientSSLError, ssl.SSLError) as exc:
            raise FetchError(f"TLS error: {_ssl_reason(getattr(exc, 'os_error', exc))}", url=url) from None
        except aiohttp.ClientConnectorDNSError as exc:
            # exc.host is the hop that failed; after a redirect it is not the host of `url`.
            raise FetchError(f"DNS lookup failed for {exc.host}", url=url) from None
        except aiohttp.ClientConnectorError as exc:
            reason = exc.os_error.strerror or str(exc.os_error) or "failed"
            raise FetchError(f"connection failed: {reason.lower()}", url=url) from None
        except aiohttp.ServerDisconnectedError:
            # Raised while waiting for the status line; a body cut short is a ClientPayloadError.
            raise FetchError("connection closed before any response", url=url) from None
        except (aiohttp.ClientPayloadError, ConnectionResetError):
            raise FetchError("connection closed before the body was complete", url=url) from None
        except aiohttp.ClientOSError as exc:  # e.g. a reset right after the request was sent
            raise FetchError(f"connection failed: {(exc.strerror or str(exc)).lower()}", url=url) from None
        except aiohttp.InvalidURL as exc:
            # Name the URL that was refused (a redirect target), not the one we started from.
            why = f": {exc.description}" if exc.description else ""
            raise FetchError(f"invalid URL {exc.url}{why}", url=url) from None
        except aiohttp.ClientResponseError as exc:
            # With redirects and raise_for_status off, this is aiohttp's HTTP parser refusing the
            # response (bad status line, oversized or too many headers, broken chunking); its
            # message repeats the raw bytes and the URL, so keep only the reason before the colon.
            reason = (exc.message or "unreadable").split(":", 1)[0].strip().rstrip(".")
            raise FetchError(f"invalid HTTP response: {reason[:1].lower()}{reason[1:]}", url=url) from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise FetchError(f"request failed: {type(exc).__name__}: {exc}", url=url) from None
        finally:
            self._global.release()
            slot.release()

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None, accept: str | None,
                     started: float, referer: str | None = None, max_bytes: int | None = None,
                     form: dict[str, str] | None = None) -> FetchResult:
        assert self._session is not None, "use Fetcher as an async context manager"
        current = url
        permanent = True
        for hop in range(self.config.max_redirects + 1):
            target = URL(current)
            if target.scheme not in ("http", "https") or not target.host:
                raise FetchError(f"unsupported URL {current}")
            if not self.config.allow_private_networks:
                check_ip_literal(target.host)
            if hop:
                await self._pacer.wait(target.host)
            headers = {"Accept": accept or "application/rss+xml, application/atom+xml, application/feed+json, "
                                            "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            if referer:
                headers["Referer"] = referer
            request = (self._session.get(target, headers=headers, allow_redirects=False) if form is None else
                       self._session.post(target, headers=headers, data=form, allow_redirects=False))
            async with request as resp:
                if resp.status in _REDIRECTS and "Location" in resp.headers and form is None:
                    permanent = permanent and resp.status in _PERMANENT
                    try:
                        current = urljoin(current, resp.headers["Location"])
                    except ValueError:  # e.g. "http://[::1": urljoin refuses it
                        raise FetchError(f"invalid redirect to {resp.headers['Location']!r}") from None
                    continue
                result = FetchResult(url=url, final_url=current, status=resp.status,
                                     headers={k.lower(): v for k, v in resp.headers.items()},
                                     permanent_redirect=permanent and current != url)
                if resp.status == 304:
                    result.not_modified = True
                elif resp.status >= 300 or resp.status < 200:
                    raise FetchError(f"HTTP {resp.status}", url=current, status=resp.status,
                                     retry_after=parse_retry_after(resp.headers.get("Retry-After")))
                else:
                    result.body = await read_limited(resp, max_bytes or self.config.max_body_bytes)
                result.elapsed_ms = int((time.monotonic() - started) * 1000)
                return result
        raise FetchError(f"too many redirects (over {self.config.max_redirects})", url=url)

"""WebSub: after a publish that changed feeds, tell the configured hubs (websub_hubs) which feed URLs
changed (hub.mode=publish), so subscribed readers get them pushed instead of polling.

The pings go through the same fetcher as everything else (the private-address guard, timeouts).
A hub that fails is logged and never blocks or fails publishing.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from ..config import Config
from ..errors import FetchError
from ..fetch import Fetcher

log = logging.getLogger("aggregator.websub")
_FEED_SUFFIXES = {".rss", ".atom", ".json"}


def changed_feed_urls(config: Config, written: list[Path], base_url: str) -> list[str]:
    """The public URLs of the feeds among the files a publish wrote."""
    folder = config.public_dir / "feeds"
    return sorted(f"{base_url}feeds/{p.name}" for p in written if p.parent == folder and p.suffix in _FEED_SUFFIXES)


async def announce(config: Config, report, fetcher: Fetcher | None = None) -> int:
    """Ping the hubs about the feeds a publish (its PublishReport) changed; never raises."""
    try:
        return await ping_hubs(config, changed_feed_urls(config, report.written, report.base_url), fetcher)
    except Exception:  # noqa: BLE001 - a hub must never break publishing, whatever goes wrong
        log.exception("WebSub pings failed")
        return 0


async def ping_hubs(config: Config, feed_urls: list[str], fetcher: Fetcher | None = None) -> int:
    """Tell every hub about the changed feeds; returns how many pings a hub accepted (2xx)."""
    if not config.websub_hubs or not feed_urls:
        return 0

    async def one(client: Fetcher, hub: str, url: str) -> bool:
        try:
            await client.fetch(hub, form={"hub.mode": "publish", "hub.url": url}, accept="*/*", max_bytes=65536)
            return True
        except FetchError as exc:
            log.warning("WebSub hub %s did not take %s: %s", hub, url, exc.message)
            return False

    async def run(client: Fetcher) -> int:
        results = await asyncio.gather(*(one(client, hub, url) for hub in config.websub_hubs for url in feed_urls))
        return sum(results)

    if fetcher is not None:
        return await run(fetcher)
    async with Fetcher(config) as client:
        return await run(client)

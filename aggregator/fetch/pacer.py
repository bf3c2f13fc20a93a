"""Politeness per host: a minimum delay between the starts of two requests to one host.

Slots are handed out in order, so a burst of sources on one site is spread out
rather than fired together; connections per host are capped separately by the
connector (per_host_limit).
"""

from __future__ import annotations

import asyncio


class HostPacer:
    """Hands out request start times per host, `delay` seconds apart."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._next: dict[str, float] = {}

    async def wait(self, host: str) -> None:
        """Sleep until this host may be asked again, reserving the slot after ours."""
        if self.delay <= 0:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self._next.get(host, 0.0))
        self._next[host] = start + self.delay
        if len(self._next) > 10_000:  # forget hosts whose slots are long past
            self._next = {h: t for h, t in self._next.items() if t > now}
        if start > now:
            await asyncio.sleep(start - now)

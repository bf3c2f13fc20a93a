"""A synthetic upstream for the comparison benchmark: K Chinese news feeds served on several
loopback ports, with strong ETags, injectable latency and a knob that changes a fraction of them.

Run by benchmarks/compare.py as its own process (so its CPU is not the measured process's):

    .venv/bin/python benchmarks/upstream.py --feeds 500 --ports 8 --latency 0.02

It prints one JSON line, {"urls": [...], "control": "http://127.0.0.1:P/_control"}, then serves
until stdin closes. Control (on any port): POST /_control/reset (every feed back to its first
version), POST /_control/bump?fraction=0.05 (that share of feeds, chosen by a fixed seed, gains one
new entry and drops its oldest: a new ETag), GET /_control/stats (200s and 304s served).

Feed i at generation g carries entries g .. g+19; an entry's text depends only on (i, n), so a
bumped feed repeats 19 entries the reader has seen and adds one it has not. Feeds alternate RSS
2.0 and Atom 1.0, about 34 KB each (20 entries of ~400 characters of HTML in UTF-8).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape

BASE = datetime(2026, 11, 1, 8, 0, 0, tzinfo=timezone.utc)
# Common characters, so shingles of different stories rarely collide (a small word list would make
# every story look like a copy of every other to the near-duplicate index).
_COMMON = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
           "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性"
           "好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第"
           "向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管"
           "特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处"
           "队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单"
           "风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土"
           "许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省")


def entry_text(feed: int, n: int) -> tuple[str, str]:
    """(title, HTML body) of entry n of feed `feed`: deterministic, about 400 characters."""
    rng = random.Random(feed * 1_000_003 + n)
    chars = rng.choices(_COMMON, k=400)
    title = "".join(chars[:14]) + f"（{feed}-{n}）"
    paragraphs, at = [], 14
    while at < len(chars):
        size = rng.randint(90, 160)
        chunk = chars[at:at + size]
        sentences = "".join(c + ("，" if i % 17 == 16 else "。" if i % 41 == 40 else "") for i, c in enumerate(chunk))
        # One full stop at the end: "。。" reads as a truncation mark, and the item as a teaser.
        paragraphs.append(f'<p style="text-indent:2em">{sentences.rstrip("，。")}。</p>')
        at += size
    return title, "".join(paragraphs)


def feed_bytes(feed: int, generation: int, port: int, items: int = 20) -> bytes:
    """Feed `feed` at `generation`: RSS 2.0 for even feeds, Atom 1.0 for odd ones."""
    site = f"http://127.0.0.1:{port}/site/{feed}"
    numbers = range(generation + items - 1, generation - 1, -1)  # newest first
    atom = feed % 2 == 1
    if atom:
        rows = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
                f"<title>测试频道 {feed}</title><id>urn:bench:{feed}</id>",
                f"<updated>{(BASE + timedelta(minutes=generation + items)).isoformat()}</updated>",
                f'<link href="{site}/"/>']
    else:
        rows = ['<?xml version="1.0" encoding="utf-8"?>',
                '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
                f"<title>测试频道 {feed}</title><link>{site}/</link><description>bench</description>"]
    for n in numbers:
        title, body = entry_text(feed, n)
        link = f"{site}/{n}.html"
        when = BASE + timedelta(minutes=n, seconds=feed % 60)
        if atom:
            rows.append(f"<entry><title>{escape(title)}</title><id>{link}</id>"
                        f'<link rel="alternate" href="{link}"/><published>{when.isoformat()}</published>'
                        f"<updated>{when.isoformat()}</updated><author><name>记者{feed % 7}</name></author>"
                        f'<content type="html">{escape(body)}</content></entry>')
        else:
            rows.append(f"<item><title>{escape(title)}</title><link>{link}</link><guid>{link}</guid>"
                        f"<pubDate>{format_datetime(when)}</pubDate><dc:creator>记者{feed % 7}</dc:creator>"
                        f"<description>{escape(body)}</description></item>")
    rows.append("</feed>" if atom else "</channel></rss>")
    return "\n".join(rows).encode("utf-8")


class Feeds:
    """Every feed's current generation, bytes and ETag (bytes built once per generation)."""

    def __init__(self, count: int, ports: list[int]) -> None:
        self.count, self.ports = count, ports
        self.generation = [0] * count
        self._cache: dict[tuple[int, int], tuple[bytes, str]] = {}
        self.stats = {"200": 0, "304": 0}

    def port_of(self, feed: int) -> int:
        return self.ports[feed % len(self.ports)]

    def current(self, feed: int) -> tuple[bytes, str]:
        key = (feed, self.generation[feed])
        if key not in self._cache:
            body = feed_bytes(feed, key[1], self.port_of(feed))
            self._cache[key] = (body, '"' + hashlib.sha1(body).hexdigest()[:20] + '"')
        return self._cache[key]

    def bump(self, fraction: float, round_no: int) -> int:
        chosen = random.Random(round_no).sample(range(self.count), round(self.count * fraction))
        for feed in chosen:
            self.generation[feed] += 1
        return len(chosen)


async def serve(args: argparse.Namespace) -> None:
    from aiohttp import web

    feeds: Feeds | None = None
    bumps = 0

    async def handle_feed(request: web.Request) -> web.StreamResponse:
        feed = int(request.match_info["n"])
        if feeds is None or not 0 <= feed < feeds.count:
            raise web.HTTPNotFound()
        body, etag = feeds.current(feed)
        if args.latency:
            await asyncio.sleep(args.latency)
        if request.headers.get("If-None-Match") == etag:
            feeds.stats["304"] += 1
            return web.Response(status=304, headers={"ETag": etag})
        feeds.stats["200"] += 1
        return web.Response(body=body, headers={"ETag": etag, "Content-Type": "application/xml; charset=utf-8"})

    async def control(request: web.Request) -> web.StreamResponse:
        nonlocal bumps
        action = request.match_info["action"]
        if action == "reset":
            feeds.generation = [0] * feeds.count
            feeds.stats = {"200": 0, "304": 0}
            return web.json_response({"ok": True})
        if action == "bump":
            bumps += 1
            return web.json_response({"changed": feeds.bump(float(request.query.get("fraction", "0.05")), bumps)})
        if action == "stats":
            return web.json_response(feeds.stats)
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get(r"/f/{n:\d+}.xml", handle_feed)
    app.router.add_route("*", "/_control/{action}", control)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    ports = []
    for _ in range(args.ports):
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ports.append(site._server.sockets[0].getsockname()[1])  # noqa: SLF001 (port 0: ask the socket)
    feeds = Feeds(args.feeds, ports)
    for feed in range(feeds.count):  # build every first version now, not during the timed rounds
        feeds.current(feed)
    urls = [f"http://127.0.0.1:{feeds.port_of(i)}/f/{i}.xml" for i in range(feeds.count)]
    print(json.dumps({"urls": urls, "control": f"http://127.0.0.1:{ports[0]}/_control"}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the harness closes our stdin
    await runner.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--ports", type=int, default=8)
    ap.add_argument("--latency", type=float, default=0.02, help="seconds added to every answer (default 0.02)")
    asyncio.run(serve(ap.parse_args()))


if __name__ == "__main__":
    main()

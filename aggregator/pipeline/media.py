"""Image mirroring: the images of stored bodies are copied under DATA_DIR/public/media/, so they still
show when the upstream blocks hotlinking or disappears.

Each image is fetched by the same fetcher as everything else (the private-address guard on every
hop, timeouts, per-host politeness), with the article's page as Referer (sites answer 403 or a
placeholder without it), at most max_image_bytes per image and max_article_image_bytes per
article. Its type is sniffed from the bytes and must be JPEG, PNG, GIF, WebP, AVIF or BMP (never
SVG, which can carry script); the file is named by the SHA-256 of its bytes, so one image shared by
many articles is stored once and can be cached forever. The stored body then says
src="media:HASH.EXT", which publishing turns into {base_url}media/HASH.EXT. An image that cannot
be fetched keeps its absolute original URL, is tried again when its article is next seen (3 times
in all) and is counted in `health`.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import re

from sqlite_utils import Database

from .. import publish, store
from ..config import Config
from ..errors import FetchError
from ..model import Article
from ..normalize import content_hash

log = logging.getLogger("aggregator.media")
MAX_IMAGES_PER_ARTICLE = 50
IMAGE_ACCEPT = "image/avif, image/webp, image/png, image/jpeg, image/gif, image/*;q=0.8"
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")(https?://[^"]+)(")', re.I)
EXTENSIONS = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
              "avif": "image/avif", "bmp": "image/bmp"}


def sniff(data: bytes) -> str | None:
    """The file extension of an image by its first bytes; None for anything that is not a real
    raster image (HTML error pages and placeholders served as image/jpeg included)."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "avif"
    if data[:2] == b"BM" and len(data) > 26 and int.from_bytes(data[2:6], "little") in (0, len(data)):
        return "bmp"
    return None


def image_urls(body: str) -> list[str]:
    """The absolute image addresses of a sanitized body, in order, once each."""
    seen: dict[str, None] = {}
    for match in _IMG_SRC.finditer(body):
        seen.setdefault(html.unescape(match.group(2)), None)
    return list(seen)


def rewrite(body: str, names: dict[str, str]) -> str:
    """The body with each mirrored image pointing at its stored copy (media:NAME)."""
    if not names:
        return body

    def swap(match: re.Match) -> str:
        name = names.get(html.unescape(match.group(2)))
        return f"{match.group(1)}media:{name}{match.group(3)}" if name else match.group(0)

    return _IMG_SRC.sub(swap, body)


class MediaIngest:
    """Mixed into the Refresher: needs self.db, self.config and self.fetcher."""

    async def _mirror_one(self, url: str, referer: str | None, budget: list[int],
                          attempts: int) -> store.MediaUrl:
        try:
            result = await self.fetcher.fetch(url, accept=IMAGE_ACCEPT, referer=referer,
                                              max_bytes=min(self.config.max_image_bytes, max(budget[0], 1)))
        except FetchError as exc:
            return store.MediaUrl(url, "failed", error=exc.message, attempts=attempts)
        data = result.body
        ext = sniff(data)
        if ext is None:
            return store.MediaUrl(url, "failed", error="not an image (JPEG, PNG, GIF, WebP, AVIF or BMP)",
                                  attempts=attempts)
        budget[0] -= len(data)
        name = f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}"
        await asyncio.to_thread(publish.write_atomic, self.config.public_dir / "media" / name, data)
        return store.MediaUrl(url, "ok", name=name, attempts=attempts)

    async def mirror_images(self, articles: list[Article]) -> list[Article]:
        """The articles with their images mirrored (where they could be)."""
        if not self.config.mirror_images:
            return articles
        wanted = {a.key: image_urls(a.content_html)[:MAX_IMAGES_PER_ARTICLE] for a in articles}
        every = sorted({u for urls in wanted.values() for u in urls})
        if not every:
            return articles
        known = store.media_lookup(self.db, every)
        fresh: dict[str, store.MediaUrl] = {}
        for article in articles:
            budget = [self.config.max_article_image_bytes]
            due = []
            for url in wanted[article.key]:
                seen = known.get(url) or fresh.get(url)
                if seen is None or (seen.status == "failed" and seen.attempts < store.MEDIA_ATTEMPTS
                                    and url not in fresh):
                    due.append((url, (seen.attempts + 1) if seen else 1))
            # One article's images one after another, within its byte budget; the fetcher's own
            # per-host limits pace them against everything else in flight.
            for url, attempts in due:
                if budget[0] <= 0:
                    fresh[url] = store.MediaUrl(url, "failed", error="over the article's image budget",
                                                attempts=attempts)
                    continue
                fresh[url] = await self._mirror_one(url, article.url, budget, attempts)
        if fresh:
            store.record_media(self.db, list(fresh.values()))
            for outcome in fresh.values():
                if outcome.status == "failed":
                    log.info("image %s not mirrored: %s", outcome.url, outcome.error)
        known |= fresh
        done = []
        for article in articles:
            names = {u: known[u].name for u in wanted[article.key] if u in known and known[u].status == "ok"}
            if not names:
                done.append(article)
                continue
            body = rewrite(article.content_html, names)
            # The stored hash follows what is published: an image mirrored later updates the article.
            done.append(article.replace(content_html=body, content_hash=content_hash(article.content_hash, body)))
        return done


def sweep_media(db: Database, config: Config) -> int:
    """Delete mirrored files no stored article points at (after a prune or a takedown)."""
    folder = config.public_dir / "media"
    if not folder.is_dir():
        return 0
    keep = store.referenced_media(db)
    doomed = {p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.name not in keep}
    store.forget_media(db, doomed)
    for name in doomed:
        publish.remove_file(folder / name)
    return len(doomed)

"""Full text for summary-only feeds: a teaser item's link is fetched and read by the page extractor.

A source's mode (its own, else the full_text setting): `never`; `always` (every item with a link);
`auto`, where an item counts as a teaser when its text is under TEASER_CHARS characters or ends in a
truncation mark (…, ..., 阅读全文, 全文, 详情, 更多). The extracted body replaces the teaser only when
it is longer and contains the teaser's opening (spacing and punctuation folded), so a page that is
something else (a login wall, the portal's home page) never replaces what the feed said. 作者, 来源
and 发布时间 from the page fill what the feed left empty, never what it stated.

Each item's outcome is remembered with the hash of the item as the feed gave it: a re-poll reuses it
without fetching, and only a changed item is fetched again. A page that cannot be read keeps the
teaser; it is tried again on later polls (MAX_ATTEMPTS in all), logged in `sources log`, counted in
`health`, and never fails the source. The fetches are the page sources' own (same fetcher: the
private-address guard, size caps, timeouts and per-host politeness; the source's selectors;
continuation pages joined).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime

from .. import store
from ..errors import FetchError
from ..model import Article, Source, from_iso, to_iso
from ..normalize import SourceContext, content_hash, normalized_text, plain_text
from .work import Extracted

log = logging.getLogger("aggregator.pipeline")

# Measured on the Chinese portals' channel feeds the catalog carries and on tests/data: a teaser is
# one or two sentences (40-150 characters); a full article starts at about 300. 200 sits between.
TEASER_CHARS = 200
_TRUNCATED = re.compile(r"(?:…+|\.{3,}|。{2,}|阅读全文|查看全文|全文|详情|更多|read\s+more|\[more\]|more)"
                        r"\s*[>»›》\]）)]*\s*$", re.I)
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_OPENING = 24  # folded characters of the teaser's opening looked for in the page


def mode_of(source: Source, default: str) -> str:
    """The source's full-text mode, its own or the setting's."""
    return source.full_text or default


def is_teaser(text: str) -> bool:
    """A feed item's text that is only a summary: short, or ending in a truncation mark."""
    text = text.strip()
    return len(text) < TEASER_CHARS or bool(_TRUNCATED.search(text))


def _opening(text: str) -> str:
    """The teaser's first sentence (or its first _OPENING characters), folded, without the mark."""
    text = _TRUNCATED.sub("", text.strip())
    first = _SENTENCE_END.split(text, 1)[0]
    return normalized_text(first)[:_OPENING]


def continues(teaser: str, page_text: str) -> bool:
    """True when the page's text is longer than the teaser and contains its opening."""
    opening = _opening(teaser)
    folded = normalized_text(page_text)
    return len(folded) > len(normalized_text(teaser)) and (not opening or opening in folded)


def _outcome(item_hash: str, extracted: Extracted, teaser: str, attempts: int) -> store.FullText:
    if extracted.error or extracted.article is None:
        return store.FullText(item_hash, "failed", attempts, error=extracted.error or "no article on the page")
    page = extracted.article
    if not continues(teaser, plain_text(page.content_html)):
        return store.FullText(item_hash, "failed", attempts,
                              error="the page does not continue the item's text (not its article?)")
    return store.FullText(item_hash, "ok", attempts, body_html=page.content_html, author=page.author,
                          origin=extracted.item.origin_name if extracted.item else None,
                          published=None if page.date_missing else to_iso(page.published),
                          published_raw=page.published_raw, date_only=page.date_only,
                          body_hash=page.body_hash, signature=page.signature, pages=extracted.pages)


def merge(article: Article, found: store.FullText, source_name: str | None) -> Article:
    """The item with its page's body; the page's 作者/来源/发布时间 only where the feed gave none."""
    if found.status != "ok" or not found.body_html:
        return article
    changes: dict = {"content_html": found.body_html, "body_hash": found.body_hash or "",
                     "signature": found.signature or b""}
    if not article.author and found.author:
        changes["author"] = found.author
    if found.origin and (not article.origin or article.origin == source_name):
        changes["origin"] = found.origin  # the feed named no 来源 (ours is the source's name)
    if article.date_missing and found.published:
        changes |= {"published": from_iso(found.published), "published_raw": found.published_raw,
                    "date_missing": False, "date_only": found.date_only}
    merged = article.replace(**changes)
    # The stored hash covers the item as the feed gave it and the page text that completed it.
    return merged.replace(content_hash=content_hash(article.content_hash, found.body_html, merged.author,
                                                    merged.origin, to_iso(merged.published)))


class FullTextIngest:
    """Mixed into the Refresher: needs self.db, self.config and fetch_article (PageIngest)."""

    async def complete_full_text(self, source: Source, articles: list[Article], ctx: SourceContext,
                                 now: datetime) -> tuple[list[Article], str | None, bool]:
        """The articles with full text where the mode asks for it; a warning for the source when
        pages could not be read; and whether items were left for a later poll (over the cap)."""
        mode = mode_of(source, self.config.full_text)
        if mode == "never" or not articles:
            return articles, None, False
        texts = {a.key: plain_text(a.content_html) for a in articles}
        wanted = [a for a in articles if a.url and (mode == "always" or is_teaser(texts[a.key]))]
        if not wanted:
            return articles, None, False
        known = store.recall_full_text(self.db, source.id, [a.key for a in wanted])
        due = []
        for article in wanted:
            seen = known.get(article.key)
            if seen is None or seen.item_hash != article.content_hash:
                due.append((article, 1))
            elif seen.status == "failed" and seen.attempts < store.FULL_TEXT_ATTEMPTS:
                due.append((article, seen.attempts + 1))
        cap = self.config.page_articles_per_fetch
        left_over = len(due) > cap
        due = due[:cap]
        page_ctx = SourceContext(source_id=source.id, category=source.category, feed_url=ctx.feed_url,
                                 source_name=ctx.source_name, timezone=ctx.timezone, from_feed=True)

        async def read(article: Article, attempts: int) -> tuple[str, store.FullText]:
            try:
                extracted = await self.fetch_article(article.url, page_ctx, source.selectors, now)
            except FetchError as exc:
                extracted = Extracted(error=exc.message)
            return article.key, _outcome(article.content_hash, extracted, texts[article.key], attempts)

        fresh = dict(await asyncio.gather(*(read(a, n) for a, n in due)))
        store.remember_full_text(self.db, source.id, fresh)
        failed = [(key, o) for key, o in fresh.items() if o.status == "failed"]
        for key, o in failed:
            url = next(a.url for a in wanted if a.key == key)
            log.info("source %s: full text of %s not read: %s", source.id, url, o.error)
            store.log_fetch(self.db, source.id, result="full_text_failed", url=url, nbytes=0, ms=0, new=0,
                            updated=0, error=o.error)
        known |= fresh
        done = [merge(a, known[a.key], ctx.source_name) if a.key in known else a for a in articles]
        warning = None
        if failed:
            warning = f"suspicious: full text of {len(failed)} of {len(fresh)} teaser items could not be read"
        return done, warning, left_over

"""HTML page sources: a listing page's new links, each article page fetched and extracted once.

A link is remembered (seen_links) in the same transaction that stores its
article, so a crash never loses an article whose link was marked done. A link
whose download failed is tried again on later cycles (a few times); a page with
no recognisable article is marked done with its reason.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from .. import store
from ..errors import FetchError, ParseError
from ..model import Article, FetchResult, Selectors, Source
from ..normalize import SourceContext
from ..parse.page import MAX_PAGES, page_number
from .work import Extracted, Listed, article_page_links, extract_and_normalize, extract_pages, list_links

log = logging.getLogger("aggregator.pipeline")
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass
class ListingRun:
    """What one pass over a listing did."""

    articles: list[Article] = field(default_factory=list)
    done: list[tuple[str, Extracted]] = field(default_factory=list)
    links: int = 0
    fresh: int = 0
    failed: int = 0
    replaced: int = 0
    remaining: int = 0  # new links left for the next cycle (over page_articles_per_fetch)
    title: str | None = None  # the listing page's <title>

    @property
    def warning(self) -> str | None:
        """The canary for page sources: article pages that could not be read, or read badly."""
        problems = []
        if self.failed and self.failed == self.fresh:
            problems.append(f"none of {self.fresh} new article pages could be extracted")
        elif self.failed:
            problems.append(f"{self.failed} of {self.fresh} new article pages could not be extracted")
        if self.replaced:
            problems.append(f"{self.replaced} pages decoded with replacement characters")
        return f"suspicious: {'; '.join(problems)}" if problems else None


class PageIngest:
    """Mixed into the Refresher: needs self.db, self.config, self.fetcher and self._run."""

    async def _collect_links(self, source: Source, result: FetchResult, run: ListingRun) -> list[str]:
        listed: Listed = await self._run(list_links, result, source.selectors)
        if listed.error:
            raise ParseError(listed.error)
        links = list(listed.listing.links)
        run.title = listed.listing.title
        next_page = listed.listing.next_page
        # Older pages of the column only on the first run; later runs see new links on page 1.
        depth = 1 if source.last_success_at is None else self.config.page_depth
        while next_page and depth < self.config.page_depth:
            depth += 1
            try:
                more = await self.fetcher.fetch(next_page, accept=HTML_ACCEPT)
            except FetchError as exc:
                log.info("source %s: stopped paginating at %s: %s", source.id, next_page, exc.message)
                break
            listed = await self._run(list_links, more, source.selectors)
            if listed.error:
                break
            links.extend(link for link in listed.listing.links if link not in links)
            next_page = listed.listing.next_page
        return links

    async def fetch_article(self, link: str, ctx: SourceContext, selectors: Selectors, now: datetime) -> Extracted:
        """Fetch an article page and, when it is split, its continuation pages (to the end, at most
        MAX_PAGES in all), and extract them into one Article. Raises FetchError for the first page;
        a later page that cannot be fetched ends the article there (logged)."""
        page = await self.fetcher.fetch(link, accept=HTML_ACCEPT)
        extracted: Extracted = await self._run(extract_and_normalize, page, ctx, selectors, now)
        if extracted.error or not extracted.next_pages:
            return extracted
        first = page.final_url
        results, seen, queue = [page], {link, first}, list(extracted.next_pages)
        while queue and len(results) < MAX_PAGES:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            try:
                more = await self.fetcher.fetch(url, accept=HTML_ACCEPT)
            except FetchError as exc:
                log.warning("%s: continuation page %s not fetched (%s): the article ends at page %s",
                            link, url, exc.message, len(results))
                break
            results.append(more)
            found = await self._run(article_page_links, more, first, selectors)
            queue = sorted({u for u in queue + list(found) if u not in seen},
                           key=lambda u: page_number(u, first) or MAX_PAGES + 1)
        return await self._run(extract_pages, results, ctx, selectors, now)

    async def _article(self, source: Source, link: str, ctx: SourceContext, now: datetime) -> Extracted:
        try:
            extracted = await self.fetch_article(link, ctx, source.selectors, now)
        except FetchError as exc:
            # 404/410: the link is dead for good; anything else may work next time.
            store.mark_link(self.db, source.id, link, error=exc.message, permanent=exc.status in (404, 410))
            return Extracted(error=exc.message)
        if extracted.error:
            store.mark_link(self.db, source.id, link, error=extracted.error, encoding=extracted.encoding,
                            replaced=extracted.replaced, permanent=True)
            log.info("source %s: %s: %s", source.id, link, extracted.error)
        return extracted

    async def ingest_listing(self, source: Source, result: FetchResult, now: datetime) -> ListingRun:
        """Fetch and store the articles behind the listing's links not seen before."""
        run = ListingRun()
        links = await self._collect_links(source, result, run)
        unseen = store.unseen_links(self.db, source.id, links)
        fresh = unseen[: self.config.page_articles_per_fetch]
        run.links, run.fresh, run.remaining = len(links), len(fresh), len(unseen) - len(fresh)
        ctx = self._context(source, source.url)
        results = await asyncio.gather(*(self._article(source, link, ctx, now) for link in fresh))
        for link, extracted in zip(fresh, results):
            if extracted.article is not None:
                run.articles.append(extracted.article)
                run.done.append((link, extracted))
            else:
                run.failed += 1
            run.replaced += int(extracted.replaced)
        return run

    def store_listing(self, source: Source, run: ListingRun):
        """Store the articles and mark their links done, in one transaction."""
        with store.transaction(self.db):
            upserted = store.upsert_articles(self.db, run.articles)
            for link, extracted in run.done:
                store.mark_link(self.db, source.id, link, article_id=extracted.article.id,
                                encoding=extracted.encoding, replaced=extracted.replaced)
        return upserted

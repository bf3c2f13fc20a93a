"""The CPU work of a refresh, run in a pool process: bytes in, Articles (or a reason) out.

Nothing here touches the network or the database, and errors come back as text,
because exceptions do not always survive the trip between processes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from ..errors import AggregatorError
from ..model import Article, FetchResult, ListingPage, Selectors
from ..normalize import SourceContext, normalize_item
from ..parse import DiscoveredFeeds, HtmlPage, parse_document
from ..parse.listing import find_article_links
from ..parse.page import extract_article


@dataclass
class Parsed:
    """What a parse worker sends back: articles, or why there are none."""

    articles: list[Article] = field(default_factory=list)
    title: str | None = None
    site_url: str | None = None
    feed_links: list[str] = field(default_factory=list)
    error: str | None = None
    ttl_minutes: int | None = None
    warning: str | None = None
    html_page: bool = False  # an HTML page without feeds: a listing, for an `auto` source


def canary(items: list) -> str | None:
    """A successful fetch that looks wrong: no items, or items without titles or dates."""
    if not items:
        return "suspicious: the feed has no items"
    untitled = sum(1 for item in items if not (item.title or "").strip())
    undated = sum(1 for item in items if item.published is None)
    problems = [f"{n} of {len(items)} items have no {what}" for n, what in ((untitled, "title"), (undated, "date"))
                if n]
    return f"suspicious: {'; '.join(problems)}" if problems else None


def _newest_first_or_document_order(items: list, limit: int) -> list:
    if len(items) <= limit:
        return items
    if all(item.published is not None for item in items):
        return sorted(items, key=lambda item: item.published, reverse=True)[:limit]
    return items[:limit]


def parse_and_normalize(result: FetchResult, ctx: SourceContext, items_per_fetch: int, now: datetime,
                        encoding: str | None = None) -> Parsed:
    """Worker body: bytes to Articles (`encoding` overrides what the document declares).
    Runs in a pool process, so it returns errors as text."""
    try:
        parsed = parse_document(result, ctx.timezone, encoding=encoding, max_items=items_per_fetch)
    except DiscoveredFeeds as exc:
        return Parsed(feed_links=exc.links, error=str(exc.message))
    except HtmlPage as exc:
        return Parsed(error=exc.message, html_page=True)
    except AggregatorError as exc:
        return Parsed(error=exc.message)
    items = _newest_first_or_document_order(parsed.items, items_per_fetch)
    # The origin shown for items that name none: the admin's name, else the feed's own title.
    name = ctx.source_name or parsed.title or urlsplit(ctx.feed_url).hostname or ctx.feed_url
    context = dataclasses.replace(ctx, source_name=name)
    articles = [a for a in (normalize_item(item, context, now) for item in items) if a is not None]
    return Parsed(articles=articles, title=parsed.title, site_url=parsed.site_url, ttl_minutes=parsed.ttl_minutes,
                   warning=canary(parsed.items))




@dataclass
class Listed:
    """What a listing worker sends back: the links, or why there are none."""

    listing: ListingPage | None = None
    error: str | None = None


def list_links(result: FetchResult, selectors: Selectors) -> Listed:
    """Worker body: a listing page's article links."""
    try:
        return Listed(listing=find_article_links(result, selectors=selectors))
    except AggregatorError as exc:
        return Listed(error=exc.message)


@dataclass
class Extracted:
    """What an article-page worker sends back: the article, or why there is none."""

    article: Article | None = None
    encoding: str | None = None
    replaced: bool = False
    error: str | None = None


def extract_and_normalize(result: FetchResult, ctx: SourceContext, selectors: Selectors, now: datetime) -> Extracted:
    """Worker body: one article page to one Article."""
    try:
        page = extract_article(result, ctx.timezone, selectors=selectors, now=now)
    except AggregatorError as exc:
        return Extracted(error=exc.message)
    # Relative links and images resolve against the page we fetched, not the 原文链接 it names.
    item = dataclasses.replace(page.item, base_url=page.item.base_url or page.page_url)
    article = normalize_item(item, ctx, now)
    if article is None:
        return Extracted(error="no article text on the page", encoding=page.encoding, replaced=page.replaced)
    return Extracted(article=article, encoding=page.encoding, replaced=page.replaced)

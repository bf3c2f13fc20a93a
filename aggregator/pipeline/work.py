"""The CPU work of a refresh, run in a pool process: bytes in, Articles (or a reason) out.

Nothing here touches the network or the database, and errors come back as text,
because exceptions do not always survive the trip between processes.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from datetime import datetime
from urllib.parse import urlsplit

from .. import store
from ..errors import AggregatorError
from ..model import Article, FetchResult, ListingPage, RawItem, Selectors
from ..normalize import SourceContext, normalize_item
from ..parse import DiscoveredFeeds, HtmlPage, parse_document
from ..parse.listing import find_article_links
from ..parse.page import extract_article, page_continuations


T = TypeVar("T")
# The most one document (feed, listing or article page) may take to parse. Real ones take
# milliseconds; a hostile one (100,000 nested elements, a 100,000-link listing) must not hold
# the cycle for everyone else.
PARSE_SECONDS = 60.0
PARSE_GRACE = 5.0  # the event loop waits this much longer, so a pool worker's own alarm fires first


def too_slow() -> str:
    """The recorded reason of a document that hit the deadline."""
    return f"took longer than {PARSE_SECONDS:g} s to parse: the document is too large or too deeply nested"


class _Deadline(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Deadline()


def bounded(func: Callable[..., T], *args: Any) -> T | Any:
    """Run a worker body in a pool process under a SIGALRM deadline; past it, the body's own
    error shape (a result with .error) comes back instead of a result."""
    in_worker = multiprocessing.parent_process() is not None and threading.current_thread() is threading.main_thread()
    if not in_worker:
        return func(*args)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, PARSE_SECONDS)
    try:
        return func(*args)
    except _Deadline:
        return _ERROR_SHAPES[func](too_slow())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
    for article in articles:  # here, in the worker: a fifth of storing an item on the main process
        article.search_grams = store.search_index_form(article.title, article.content_html)
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
    next_pages: list[str] = field(default_factory=list)  # continuation pages still to fetch
    pages: int = 1  # pages joined into the article
    item: RawItem | None = None  # what the page said, before normalizing (for full text)
    page_url: str | None = None  # the first page, where it was fetched from
    editor: str | None = None


def extract_and_normalize(result: FetchResult, ctx: SourceContext, selectors: Selectors, now: datetime) -> Extracted:
    """Worker body: one article page to one Article."""
    return extract_pages([result], ctx, selectors, now)


def extract_pages(results: list[FetchResult], ctx: SourceContext, selectors: Selectors, now: datetime) -> Extracted:
    """Worker body: an article's pages (the first, then its continuations in order) to one Article.

    Headline, byline and dates come from the first page; each later page gives only its body, so
    no chrome is repeated. A later page with no body is skipped."""
    try:
        page = extract_article(results[0], ctx.timezone, selectors=selectors, now=now)
    except AggregatorError as exc:
        return Extracted(error=exc.message)
    bodies = [page.item.content_html]
    for more in results[1:]:
        try:
            later = extract_article(more, ctx.timezone, selectors=selectors, now=now, first_url=page.page_url)
        except AggregatorError:
            continue
        bodies.append(later.item.content_html)
    # Relative links and images resolve against the page we fetched, not the 原文链接 it names;
    # continuation pages sit in the same folder, so their bodies resolve alike.
    item = dataclasses.replace(page.item, base_url=page.item.base_url or page.page_url,
                               content_html="\n".join(bodies))
    article = normalize_item(item, ctx, now)
    if article is None:
        return Extracted(error="no article text on the page", encoding=page.encoding, replaced=page.replaced)
    return Extracted(article=article, encoding=page.encoding, replaced=page.replaced,
                     next_pages=page.next_pages if len(results) == 1 else [], pages=len(bodies), item=item,
                     page_url=page.page_url, editor=page.editor)


def article_page_links(result: FetchResult, first_url: str, selectors: Selectors) -> list[str]:
    """Worker body: the continuation pages of the article at `first_url` that a later page links."""
    try:
        return page_continuations(result, first_url, selectors.encoding)
    except AggregatorError:
        return []


# How each worker body reports an error, for bounded().
_ERROR_SHAPES: dict[Callable[..., Any], Callable[[str], Any]] = {
    parse_and_normalize: lambda message: Parsed(error=message),
    list_links: lambda message: Listed(error=message),
    extract_and_normalize: lambda message: Extracted(error=message),
    extract_pages: lambda message: Extracted(error=message),
    article_page_links: lambda message: [],
}

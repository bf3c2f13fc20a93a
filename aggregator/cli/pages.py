"""`aggregator extract` and `aggregator sources test`: try the extractors without storing anything."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from .. import store
from ..catalog import check_url
from ..errors import AggregatorError, ExtractError
from ..fetch import Fetcher
from ..model import ExtractedPage, FetchResult, Selectors, utcnow
from ..normalize import (SourceContext, absolute_url, author_name, clean_title, plain_text, resolve_lazy_images,
                         sanitize_html)
from ..parse import DiscoveredFeeds, HtmlPage, parse_document
from ..parse.listing import find_article_links
from ..parse.page import extract_article
from ..pipeline import Refresher
from ..pipeline.pages import HTML_ACCEPT
from .base import Context, cli, pass_ctx
from .options import SOURCE_ID, selector_options, selectors_from
from .sources import sources

TEST_ARTICLES = 3


def _fetch(ctx: Context, url: str, accept: str | None = None) -> FetchResult:
    (result,) = _fetch_many(ctx, [url], accept)
    if isinstance(result, AggregatorError):
        raise result
    return result


def _fetch_many(ctx: Context, urls: list[str], accept: str | None = None) -> list[FetchResult | AggregatorError]:
    """Fetch one after the other in one session, so the host's politeness delay applies between them."""
    async def go() -> list[FetchResult | AggregatorError]:
        results: list[FetchResult | AggregatorError] = []
        async with Fetcher(ctx.config) as fetcher:
            for url in urls:
                try:
                    results.append(await fetcher.fetch(url, accept=accept))
                except AggregatorError as exc:
                    results.append(exc)
        return results
    return asyncio.run(go())


def page_fields(page: ExtractedPage, tz: str) -> dict[str, Any]:
    """The normalized article of an extracted page, as `extract --json` prints it."""
    item = page.item
    base = item.base_url or page.page_url
    body = sanitize_html(resolve_lazy_images(item.content_html or ""), base)  # as ingest stores it
    published = item.published.astimezone(ZoneInfo(tz)).isoformat() if item.published else None
    return {
        "title": clean_title(item.title), "published": published, "published_raw": item.published_raw,
        "date_only": item.date_only, "author": author_name(item.author), "origin": item.origin_name,
        "original_url": absolute_url(item.link, page.page_url), "editor": page.editor, "body_html": body,
        "body_text": plain_text(body), "encoding": page.encoding, "replaced": page.replaced,
    }


def _print_fields(fields: dict[str, Any]) -> None:
    labels = [("title", "标题"), ("published", "发布时间"), ("published_raw", "原始时间"), ("author", "作者"),
              ("origin", "来源"), ("editor", "责任编辑"), ("original_url", "原文链接"), ("encoding", "编码")]
    for key, label in labels:
        click.echo(f"{label}: {fields[key] if fields[key] is not None else '-'}")
    if fields["date_only"]:
        click.echo("(the page gives a date without a time)")
    if fields["replaced"]:
        click.echo("(warning: the page decoded with replacement characters)")
    text = fields["body_text"]
    click.echo(f"正文 ({len(text)} characters): {text[:300]}{'…' if len(text) > 300 else ''}")


@cli.command()
@click.argument("path_or_url")
@click.option("--base-url", help="The page's address, for a local file (resolves relative links).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every field.")
@click.option("--source", "source_id", type=SOURCE_ID, help="Use this source's selectors, encoding and time zone.")
@selector_options
@pass_ctx
def extract(ctx: Context, path_or_url: str, base_url: str | None, as_json: bool, source_id: int | None,
            **options: str | None) -> None:
    """Extract the article of one page (a local file or a URL) and print it, normalized.

    Example:

    \b
        aggregator extract saved/page.html --base-url https://www.ccdi.gov.cn/yaowenn/202411/t20241103_1.html
        aggregator extract https://www.example.gov.cn/art/2024/11/3/art_1_1.html --json
    """
    selectors = selectors_from(options)
    tz = ctx.config.timezone
    if source_id is not None:
        source = store.get_source(ctx.db, source_id)
        selectors = selectors if not selectors.is_empty() else source.selectors
        tz = source.timezone or tz
    path = Path(path_or_url)
    if path.is_file():
        url = base_url or path.resolve().as_uri()
        result = FetchResult(url=url, final_url=url, status=200, body=path.read_bytes())
    else:
        try:
            url = check_url(path_or_url)
        except ValueError:
            raise click.BadParameter(f"{path_or_url!r} is neither a file nor an http(s) URL",
                                     param_hint="PATH_OR_URL") from None
        fields = _extract_url(ctx, url, selectors, tz)
        _show(fields, as_json)
        return
    fields = page_fields(extract_article(result, tz, selectors=selectors), tz)
    _show(fields, as_json)


def _extract_url(ctx: Context, url: str, selectors: Selectors, tz: str) -> dict[str, Any]:
    """The article at `url` as ingest reads it: the same fetcher, continuation pages joined."""
    async def go():
        async with Fetcher(ctx.config) as fetcher:
            refresher = Refresher(None, ctx.config, fetcher, None)  # reads pages only: no database
            context = SourceContext(source_id=None, category="", feed_url=url, source_name=None, timezone=tz,
                                    from_feed=False)
            return await refresher.fetch_article(url, context, selectors, utcnow())
    extracted = asyncio.run(go())
    if extracted.error or extracted.item is None:
        raise ExtractError(extracted.error or "no article on the page")
    page = ExtractedPage(item=extracted.item, page_url=extracted.page_url or url, encoding=extracted.encoding or "",
                         replaced=extracted.replaced, editor=extracted.editor)
    return page_fields(page, tz) | {"pages": extracted.pages}


def _show(fields: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(fields, ensure_ascii=False, indent=2))
    else:
        _print_fields(fields)


def _test_listing(ctx: Context, result: FetchResult, selectors: Selectors, tz: str) -> None:
    listing = find_article_links(result, selectors=selectors)
    click.echo(f"listing page ({listing.encoding}): {len(listing.links)} article links")
    for link in listing.links[:30]:
        click.echo(f"  {link}")
    if len(listing.links) > 30:
        click.echo(f"  … and {len(listing.links) - 30} more")
    click.echo(f"next page: {listing.next_page or '-'}")
    links = listing.links[:TEST_ARTICLES]
    for link, page in zip(links, _fetch_many(ctx, links, HTML_ACCEPT)):
        click.echo(f"\n== {link}")
        try:
            if isinstance(page, AggregatorError):
                raise page
            _print_fields(page_fields(extract_article(page, tz, selectors=selectors), tz))
        except AggregatorError as exc:
            click.echo(f"error: {exc}")


@sources.command("test")
@click.argument("url")
@click.option("--kind", type=click.Choice(["auto", "feed", "page"]), default="auto", show_default=True)
@click.option("--timezone", help="Zone for dates without one (default: config timezone).")
@selector_options
@pass_ctx
def test_(ctx: Context, url: str, kind: str, timezone: str | None, **options: str | None) -> None:
    """Dry-run a source before adding it: the items of a feed, or the links of a listing page and
    the fields extracted from its first articles. Nothing is stored.

    Example:

    \b
        aggregator sources test https://www.ccdi.gov.cn/yaowenn/ --link-selector "ul.list li a"
    """
    try:
        url = check_url(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from None
    selectors = selectors_from(options)
    tz = timezone or ctx.config.timezone
    result = _fetch(ctx, url)
    if kind == "page":
        _test_listing(ctx, result, selectors, tz)
        return
    try:
        parsed = parse_document(result, tz, encoding=selectors.encoding, max_items=ctx.config.items_per_fetch)
    except DiscoveredFeeds as exc:
        click.echo(f"the page advertises a feed: {exc.links[0]} (an auto source follows it)")
        parsed = parse_document(_fetch(ctx, exc.links[0]), tz, max_items=ctx.config.items_per_fetch)
    except HtmlPage:
        if kind == "feed":
            raise
        _test_listing(ctx, result, selectors, tz)
        return
    click.echo(f"feed ({parsed.format}, {parsed.encoding}): {parsed.title or '-'}; {len(parsed.items)} items")
    for item in parsed.items[:10]:
        when = item.published.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if item.published else "no date"
        click.echo(f"  {when}  {clean_title(item.title) or '(untitled)'}  {item.link or ''}")

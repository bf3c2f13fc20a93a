"""Parse: bytes and headers in, a ParsedFeed out. No network, no file system."""

from __future__ import annotations

from typing import NoReturn

from ..errors import NotAFeedError
from ..model import FetchResult, ParsedFeed
from .discover import find_feed_links, looks_like_html
from .encoding import Decoded, decode
from .feed import parse_xml_feed
from .guard import check_prolog
from .jsonfeed import looks_like_json_feed, parse_json_feed

__all__ = ["DiscoveredFeeds", "HtmlPage", "parse_document", "decode", "Decoded"]


class DiscoveredFeeds(NotAFeedError):
    """An HTML page that advertises feeds: the caller may switch the source to one."""

    def __init__(self, content_type: str, links: list[str]) -> None:
        super().__init__(f"not a feed: got {content_type or 'text/html'} (it links feeds: {links[0]})")
        self.links = links


class HtmlPage(NotAFeedError):
    """An HTML page without feeds: an `auto` source may take it as a listing page."""


def _refuse_page(text: str, result: FetchResult) -> NoReturn:
    """Raise DiscoveredFeeds when the page links feeds, else HtmlPage."""
    links = find_feed_links(text, result.final_url)
    if links:
        raise DiscoveredFeeds(result.content_type, links)
    raise HtmlPage(f"not a feed: got {result.content_type or 'text/html'}")


_ATOM_NS = "http://www.w3.org/2005/Atom"


def _wraps_atom(text: str) -> bool:
    """An XHTML document carrying an Atom <feed> element (some blogs serve their feed this way):
    feedparser reads the feed inside, so it is taken as a feed, not refused as a page."""
    head = text[:200_000]
    return "<feed" in head and _ATOM_NS in head and "xhtml" in head[:4096].lower()


def parse_document(result: FetchResult, tz: str, *, encoding: str | None = None,
                   max_items: int | None = None) -> ParsedFeed:
    """Decode and parse a fetched document as RSS, Atom or JSON Feed.

    Raises DiscoveredFeeds for an HTML page with <link rel=alternate> feeds,
    NotAFeedError for any other non-feed, ParseError for a broken or hostile feed.
    """
    if not result.body.strip():
        raise NotAFeedError("not a feed: empty body")
    decoded = decode(result.body, result.headers.get("content-type"), encoding)
    text = decoded.text
    if not text.strip():  # e.g. nothing but a byte-order mark
        raise NotAFeedError("not a feed: empty body")
    # An error page sent as application/feed+json is still HTML: sniff before trusting the type.
    if looks_like_json_feed(text) or (result.content_type == "application/feed+json"
                                      and text.lstrip().startswith("{")):
        parsed = parse_json_feed(text, tz, result.final_url)
    else:
        check_prolog(text)  # before any XML or HTML parser sees the text
        if looks_like_html(text) and not _wraps_atom(text):
            _refuse_page(text, result)
        try:
            parsed = parse_xml_feed(text, result.final_url, tz, result.content_type, max_items)
        except NotAFeedError:
            # A page that does not open with <html> (a bare <head>, a <meta> first)
            # may still advertise its feeds.
            links = find_feed_links(text, result.final_url) if "<link" in text.lower() else []
            if links:
                raise DiscoveredFeeds(result.content_type, links) from None
            raise
    parsed.encoding = decoded.encoding
    return parsed

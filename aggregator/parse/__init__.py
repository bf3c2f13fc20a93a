"""Parse: bytes and headers in, a ParsedFeed out. No network, no file system."""

from __future__ import annotations

from ..errors import NotAFeedError
from ..model import FetchResult, ParsedFeed
from .discover import find_feed_links, looks_like_html
from .encoding import Decoded, decode
from .feed import parse_xml_feed
from .guard import check_prolog
from .jsonfeed import looks_like_json_feed, parse_json_feed

__all__ = ["DiscoveredFeeds", "parse_document", "decode", "Decoded"]


class DiscoveredFeeds(NotAFeedError):
    """An HTML page that advertises feeds: the caller may switch the source to one."""

    def __init__(self, content_type: str, links: list[str]) -> None:
        super().__init__(f"not a feed: got {content_type or 'text/html'} (it links feeds: {links[0]})")
        self.links = links


def parse_document(result: FetchResult, tz: str, *, encoding: str | None = None) -> ParsedFeed:
    """Decode and parse a fetched document as RSS, Atom or JSON Feed.

    Raises DiscoveredFeeds for an HTML page with <link rel=alternate> feeds,
    NotAFeedError for any other non-feed, ParseError for a broken or hostile feed.
    """
    if not result.body.strip():
        raise NotAFeedError("not a feed: empty body")
    decoded = decode(result.body, result.headers.get("content-type"), encoding)
    text = decoded.text
    if looks_like_json_feed(text) or result.content_type in ("application/feed+json",):
        parsed = parse_json_feed(text, tz)
    elif looks_like_html(text):
        links = find_feed_links(text, result.final_url)
        if links:
            raise DiscoveredFeeds(result.content_type, links)
        raise NotAFeedError(f"not a feed: got {result.content_type or 'text/html'}")
    else:
        check_prolog(text)
        parsed = parse_xml_feed(text, result.final_url, tz, result.content_type)
    parsed.encoding = decoded.encoding
    return parsed

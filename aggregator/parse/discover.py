"""Feed autodiscovery: the <link rel="alternate"> feeds an HTML page advertises."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

# What may precede the root element: white space, an XML declaration, comments.
_LEAD = re.compile(r"(?:\s+|<\?xml[^>]*\?>|<!--.*?-->)*", re.S)
# The text is already decoded: lxml must read our UTF-8 bytes as UTF-8, not by the
# page's <meta charset="gbk">, or non-ASCII feed paths come out garbled.
_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json", "application/rdf+xml", "application/xml", "text/xml")


def looks_like_html(text: str) -> bool:
    """True when the document opens as an HTML page rather than XML or JSON."""
    head = text[:8192].lstrip("\ufeff")
    rest = head[_LEAD.match(head).end():].lower()
    return rest.startswith(("<!doctype html", "<html", "<head", "<body"))


def _web_url(base: str, href: str) -> str | None:
    """`href` made absolute; None unless http(s): the caller may switch the source to it."""
    try:
        url = urljoin(base, href)
        return url if urlsplit(url).scheme.lower() in ("http", "https") else None
    except ValueError:  # e.g. a malformed IPv6 host
        return None


def find_feed_links(text: str, base_url: str) -> list[str]:
    """Absolute URLs of the feeds the page links as alternates, in document order, best type first."""
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=_HTML_PARSER)
    except (etree.ParserError, ValueError):
        return []
    # Relative hrefs are relative to <base href> when the page sets one.
    base = next((b.get("href").strip() for b in root.iter("base") if (b.get("href") or "").strip()), None)
    if base:
        base_url = _web_url(base_url, base) or base_url
    found: list[tuple[int, int, str]] = []
    for index, link in enumerate(root.iter("link")):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rels and kind in FEED_TYPES and href:
            url = _web_url(base_url, href)
            if url:
                found.append((FEED_TYPES.index(kind), index, url))
    seen: list[str] = []
    for _, _, url in sorted(found):
        if url not in seen:
            seen.append(url)
    return seen

"""Feed autodiscovery: the <link rel="alternate"> feeds an HTML page advertises."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html
from lxml import etree

# What may precede the root element: white space, an XML declaration, comments.
_LEAD = re.compile(r"(?:\s+|<\?xml[^>]*\?>|<!--.*?-->)*", re.S)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json", "application/rdf+xml", "application/xml", "text/xml")


def looks_like_html(text: str) -> bool:
    """True when the document opens as an HTML page rather than XML or JSON."""
    head = text[:8192].lstrip("\ufeff")
    rest = head[_LEAD.match(head).end():].lower()
    return rest.startswith(("<!doctype html", "<html", "<head", "<body"))


def find_feed_links(text: str, base_url: str) -> list[str]:
    """Absolute URLs of the feeds the page links as alternates, in document order, best type first."""
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8", "replace"))
    except (etree.ParserError, ValueError):
        return []
    found: list[tuple[int, int, str]] = []
    for index, link in enumerate(root.iter("link")):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rels and kind in FEED_TYPES and href:
            found.append((FEED_TYPES.index(kind), index, urljoin(base_url, href)))
    seen: list[str] = []
    for _, _, url in sorted(found):
        if url not in seen:
            seen.append(url)
    return seen

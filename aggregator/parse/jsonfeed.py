"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), which feedparser does not read."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any
from urllib.parse import urljoin

from ..errors import NotAFeedError, ParseError
from ..model import ParsedFeed, RawItem
from .dates import parse_date


_BARE_VERSION = re.compile(r'"version"\s*:\s*"1(?:\.[01])?"')


def _known_version(version: Any) -> bool:
    """The jsonfeed.org version URL, or the bare "1", "1.0", "1.1" some publishers write instead."""
    text = str(version or "").strip()
    return "jsonfeed.org/version" in text or text in ("1", "1.0", "1.1")


def looks_like_json_feed(text: str) -> bool:
    """True when the text is a JSON object naming a JSON Feed version (URL or bare number)."""
    head = text.lstrip()[:2048]
    return head.startswith("{") and ("jsonfeed.org/version" in head.replace("\\/", "/")
                                     or (bool(_BARE_VERSION.search(head)) and '"items"' in text))


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _url(value: Any, base: str | None) -> str | None:
    """A URL field made absolute: the spec asks for absolute URLs, feeds still send "/a"."""
    url = _str(value)
    if url is None or not base:
        return url
    try:
        return urljoin(base, url)
    except ValueError:  # a malformed host: leave it for normalize to reject
        return url


def _author(obj: dict) -> str | None:
    authors = obj.get("authors")
    if isinstance(authors, list):
        for author in authors:
            if isinstance(author, dict) and _str(author.get("name")):
                return _str(author["name"])
    author = obj.get("author")  # version 1.0
    if isinstance(author, dict):
        return _str(author.get("name"))
    return None


def _item(obj: dict, tz: str, base: str | None, feed_author: str | None) -> RawItem | None:
    if not isinstance(obj, dict):
        return None
    content_html = _str(obj.get("content_html"))
    if content_html is None and _str(obj.get("content_text")):
        paragraphs = [p.strip() for p in obj["content_text"].split("\n\n") if p.strip()]
        content_html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    raw_date = _str(obj.get("date_published")) or _str(obj.get("date_modified"))
    parsed = parse_date(raw_date, tz) if raw_date else None
    modified = parse_date(_str(obj.get("date_modified")), tz)
    guid = obj.get("id")
    return RawItem(
        guid=str(guid) if guid not in (None, "") else None,
        link=_url(obj.get("url"), base),
        title=_str(obj.get("title")),
        content_html=content_html,
        summary_html=escape(obj["summary"]) if _str(obj.get("summary")) else None,
        author=_author(obj) or feed_author,  # the spec: an item without authors has the feed's
        origin_name=None,
        origin_url=_url(obj.get("external_url"), base),
        published=parsed.value if parsed else None,
        published_raw=raw_date,
        date_only=parsed.date_only if parsed else False,
        updated=modified.value if modified else None,
        tags=[tag.strip() for tag in obj["tags"] if isinstance(tag, str) and tag.strip()]
        if isinstance(obj.get("tags"), list) else [],
    )


def parse_json_feed(text: str, tz: str, url: str | None = None) -> ParsedFeed:
    """Parse JSON Feed text into items; malformed JSON is a ParseError.

    Relative URLs are resolved against the feed's `url` (where it was fetched from).
    """
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"invalid JSON Feed: {exc}") from None
    except RecursionError:  # hostile nesting ("[[[[...") exhausts the decoder's stack
        raise ParseError("invalid JSON Feed: nested too deeply") from None
    if not isinstance(doc, dict) or not _known_version(doc.get("version")):
        raise NotAFeedError("not a feed: JSON without a JSON Feed version")
    items = doc.get("items")
    if not isinstance(items, list):
        raise ParseError("invalid JSON Feed: 'items' is not a list")
    version = str(doc["version"]).strip().rstrip("/").rsplit("/", 1)[-1]
    version = "1" if version == "1.0" else version
    feed_author = _author(doc)
    return ParsedFeed(
        title=_str(doc.get("title")),
        site_url=_url(doc.get("home_page_url"), url),
        items=[item for item in (_item(obj, tz, url, feed_author) for obj in items) if item is not None],
        format=f"json{version.replace('.', '')}",
    )

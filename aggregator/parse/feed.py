"""RSS 0.9x/1.0/2.0 and Atom through feedparser: the only module that imports it.

feedparser is sealed: it gets UTF-8 bytes we decoded ourselves, through BytesIO,
with its sanitizer and URL resolution off (normalize does both once, faster and
with our allowlist). It never sees a URL or a path, so it cannot touch the
network or the file system.
"""

from __future__ import annotations

import io
import re
from html import escape
from typing import Any

import feedparser

from ..errors import NotAFeedError, ParseError
from ..model import ParsedFeed, RawItem
from .dates import from_struct, parse_date
from .text import html_to_text

_ITEM_START = re.compile(r"<(?:item|entry)[\s>/]")
_ITEM_END = re.compile(r"</(?:item|entry)>")
_DECL = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")


def _as_utf8(text: str) -> bytes:
    """The text as UTF-8 bytes, with any XML declaration saying so."""
    return _DECL.sub(r'\1"utf-8"', text, count=1).encode("utf-8")


def _text_of(value: str | None, detail: dict | None) -> str | None:
    """A title-like field as plain text, whatever content type feedparser saw."""
    if value is None:
        return None
    kind = (detail or {}).get("type", "text/plain")
    return html_to_text(value) if "html" in kind else value


def _html_of(value: str, kind: str | None) -> str:
    """A content field as HTML: plain text is escaped and kept in paragraphs."""
    if kind and "html" not in kind and "xml" not in kind:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value) if p.strip()]
        return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return value


def _author(entry: Any, atom: bool = True) -> str | None:
    """Atom gives a name element; RSS gives one string ("email (Name)", "Name <email>"), which
    feedparser mis-splits for top-level domains over four letters (.online, .example), so RSS
    authors go to normalize whole, to be split by the project's own parser."""
    detail = entry.get("author_detail") or {}
    name = (detail.get("name") or entry.get("author")) if atom else (entry.get("author") or detail.get("name"))
    if not name and entry.get("authors"):
        name = next((a.get("name") for a in entry["authors"] if a.get("name")), None)
    return name or None


def _summary(entry: Any, content: dict | None) -> str | None:
    """The summary as HTML. feedparser copies an Atom <content> into `summary` without
    its summary_detail; that copy has the content's type (text must not pass as HTML)."""
    value = entry.get("summary")
    if not value:
        return None
    kind = (entry.get("summary_detail") or {}).get("type")
    if kind is None and content is not None and content.get("value") == value:
        kind = content.get("type")
    return _html_of(value, kind)


def _field(entry: Any, key: str) -> Any:
    """A field only if the feed had it: feedparser's own get() answers "updated"
    with the published date (with a DeprecationWarning), inventing an update."""
    return dict.get(entry, key)


def _date(entry: Any, tz: str) -> tuple[str | None, Any]:
    for key in ("published", "updated", "created"):
        raw = _field(entry, key)
        if raw:
            parsed = parse_date(raw, tz)
            if parsed is None:
                fallback = from_struct(_field(entry, f"{key}_parsed"))
                return raw, (fallback, False) if fallback else None
            return raw, (parsed.value, parsed.date_only)
    return None, None


def _tags(entry: Any) -> list[str]:
    """The item's own categories (RSS <category>, dc:subject, Atom <category>): label, else term."""
    out = []
    for tag in entry.get("tags") or []:
        text = (tag.get("label") or tag.get("term") or "").strip()
        if text and text not in out:
            out.append(text)
    return out


def _item(entry: Any, tz: str, feed_author: str | None, url: str, atom: bool) -> RawItem:
    content_html = None
    block = entry["content"][0] if entry.get("content") else None
    detail = block or entry.get("summary_detail") or {}
    # feedparser fills "base" with the document URL unless xml:base says otherwise; only a real
    # xml:base is worth carrying, since normalize otherwise resolves against the item's own link.
    base_url = detail.get("base") if detail.get("base") not in (None, "", url) else None
    if block is not None:
        content_html = _html_of(block.get("value", ""), block.get("type"))
    summary_html = _summary(entry, block)
    source = entry.get("source") or {}
    raw_date, resolved = _date(entry, tz)
    updated_raw = _field(entry, "updated")
    updated = parse_date(updated_raw, tz) if updated_raw else None
    return RawItem(
        guid=entry.get("id") or None,
        link=entry.get("link") or None,
        title=_text_of(entry.get("title"), entry.get("title_detail")),
        content_html=content_html,
        summary_html=summary_html,
        author=_author(entry, atom) or feed_author,
        origin_name=source.get("title") or entry.get("dc_source") or None,
        origin_url=source.get("href") or source.get("link") or None,
        published=resolved[0] if resolved else None,
        published_raw=raw_date,
        date_only=resolved[1] if resolved else False,
        updated=updated.value if updated else None,
        base_url=base_url,
        tags=_tags(entry),
    )


def bound_items(text: str, max_items: int | None) -> str:
    """Drop the middle of a document with far more items than we keep, before the costly parse.

    feedparser spends about half a millisecond per entry, so a 7 MB feed of 100,000
    items costs seconds of CPU and hundreds of MB for items we then throw away.
    Past 4 x max_items, only the first and the last 2 x max_items item elements stay
    (a feed may be ordered either way; the newest are chosen from those by date).
    """
    if not max_items or text.count("</item>") + text.count("</entry>") <= 4 * max_items:
        return text
    ends = [m.end() for m in _ITEM_END.finditer(text)]
    starts = [m.start() for m in _ITEM_START.finditer(text)]
    keep = 2 * max_items
    if len(starts) != len(ends) or any(a >= b for a, b in zip(starts, ends)):
        return text  # items nested or interleaved oddly: leave the document whole
    return text[:ends[keep - 1]] + text[starts[-keep]:]


def parse_xml_feed(text: str, url: str, tz: str, content_type: str, max_items: int | None = None) -> ParsedFeed:
    """Parse decoded RSS/Atom text; raise NotAFeedError when it holds no feed at all."""
    text = bound_items(text, max_items)
    try:
        result = feedparser.parse(
            io.BytesIO(_as_utf8(text)),
            response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser raises from deep inside sgmllib/expat on odd input
        raise ParseError(f"feed parser failed: {type(exc).__name__}: {exc}") from None
    if not result.get("version") and not result.entries:
        what = content_type or "a document with no feed in it"
        raise NotAFeedError(f"not a feed: got {what}")
    feed = result.feed
    # Atom (RFC 4287 4.2.1): an entry without an author has the feed's; in RSS the
    # channel's managingEditor is an editor, not the author of each item.
    version = result.get("version") or ""
    feed_author = _author(feed) if version.startswith("atom") else None
    ttl = None
    if str(feed.get("ttl", "")).strip().isdigit():
        ttl = int(str(feed["ttl"]).strip())
    return ParsedFeed(
        title=_text_of(feed.get("title"), feed.get("title_detail")),
        site_url=feed.get("link") or None,
        items=[_item(entry, tz, feed_author, url, version.startswith("atom")) for entry in result.entries],
        format=version or "unknown",
        ttl_minutes=ttl,
    )

"""RawItem -> Article: one cleaned shape, whatever format the item came in."""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from datetime import datetime

from ..model import Article, RawItem, xml_safe
from .fingerprint import article_id, article_key, body_hash, content_hash
from .sanitize import plain_text, sanitize_html
from .images import resolve_lazy_images
from .similarity import signature
from .urls import absolute_url, canonical_url

_SPACE = re.compile(r"\s+")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
_EMAIL = re.compile(r"^[^@\s()<>]+@[^@\s()<>]+\.[^@\s()<>]+$")
_EMAIL_NAME = re.compile(r"^\s*[^@\s()]+@[^@\s()]+\s*\((?P<name>[^)]*)\)\s*$")
_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<]+?)\s*<[^>]+@[^>]+>\s*$")
_NAME_PAREN_EMAIL = re.compile(r"^\s*(?P<name>[^()@]+?)\s*\((?:mailto:)?[^@\s()]+@[^@\s()]+\)\s*$")
# Feeds escape titles once, twice ("&amp;amp;"), now and then three times; never more.
_MAX_UNESCAPES = 3
_TEXT_FIELDS = ("guid", "link", "title", "content_html", "summary_html", "author", "origin_name", "origin_url",
                "published_raw")
SUMMARY_CHARS = 200
UNTITLED = "(无标题)"
# One-line fields are capped: a 5 MB upstream title would otherwise be copied into the index,
# every feed it appears in and its category page. Real Chinese headlines stay under 100 characters.
MAX_TITLE = 300
MAX_NAME = 100  # author, origin (来源)
MAX_TAGS, MAX_TAG = 20, 100
MAX_URL = 2048  # a longer link is no link: browsers, feed readers and servers refuse them
ELLIPSIS = "…"


@dataclass(frozen=True)
class SourceContext:
    """What normalize needs to know about the source an item came from."""

    source_id: int | None
    category: str
    feed_url: str
    source_name: str | None
    timezone: str
    from_feed: bool = True  # False for a page source: its items have no upstream feed to point at


def cap(text: str | None, limit: int) -> str | None:
    """`text` cut to `limit` characters, the cut marked with an ellipsis."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def clean_tags(tags: list[str]) -> list[str]:
    """Upstream tags as plain one-line text, deduplicated in order, bounded in number and length."""
    out: list[str] = []
    for tag in tags:
        text = cap(clean_title(xml_safe(tag)), MAX_TAG)
        if text and text not in out:
            out.append(text)
        if len(out) == MAX_TAGS:
            break
    return out


def _url_or_none(url: str | None) -> str | None:
    return url if url and len(url) <= MAX_URL else None


def clean_title(title: str | None) -> str:
    """Entities decoded (also when double-encoded upstream), whitespace folded."""
    if not title:
        return ""
    text = title
    for _ in range(_MAX_UNESCAPES):
        if not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return _SPACE.sub(" ", text).strip()


def author_name(raw: str | None) -> str | None:
    """A person's name from "Name", "email (Name)" or "Name <email>"; a bare email gives None."""
    if not raw:
        return None
    text = _SPACE.sub(" ", html.unescape(raw)).strip()
    for pattern in (_EMAIL_NAME, _NAME_EMAIL, _NAME_PAREN_EMAIL):
        match = pattern.match(text)
        if match:
            return match.group("name").strip() or None
    if _EMAIL.match(text):
        return None
    return text or None


def _xml_safe_item(raw: RawItem) -> RawItem:
    """The item without characters XML cannot carry, so no stored text can break a feed."""
    changes = {name: xml_safe(getattr(raw, name)) for name in _TEXT_FIELDS}
    return dataclasses.replace(raw, **changes)


def normalize_item(raw: RawItem, ctx: SourceContext, now: datetime) -> Article | None:
    """Build the Article for `raw`, or None when the item has nothing to show."""
    raw = _xml_safe_item(raw)
    ctx = dataclasses.replace(ctx, source_name=xml_safe(ctx.source_name))
    link = _url_or_none(canonical_url(raw.link, ctx.feed_url))
    body_source = raw.content_html or raw.summary_html or ""
    title = clean_title(raw.title)
    if not title and not body_source.strip() and not link:
        return None
    base = absolute_url(raw.base_url, ctx.feed_url) or absolute_url(raw.link, ctx.feed_url) or ctx.feed_url
    # Lazy-loaded images point at their real address before the sanitizer drops data-src & co.
    body = sanitize_html(resolve_lazy_images(body_source), base)  # last step: nothing is added after it
    body_text = plain_text(body)  # read once: the emptiness check, summary, stand-in title and body hash
    if not title and not link and not body_text and "<img" not in body:
        return None  # the body was all script or markup: still nothing to show
    summary = plain_text(sanitize_html(raw.summary_html, base), SUMMARY_CHARS) if raw.summary_html else ""
    summary = summary or cap(body_text, SUMMARY_CHARS)
    if not title:
        title = cap(body_text, 60) or UNTITLED
    title = cap(title, MAX_TITLE)
    guid = raw.guid.strip() if raw.guid and raw.guid.strip() and len(raw.guid.strip()) <= MAX_URL else None
    key = article_key(guid, link, title, body, ctx.source_id)
    published = raw.published or now
    origin = cap(clean_title(raw.origin_name) or ctx.source_name, MAX_NAME)
    author = cap(author_name(raw.author), MAX_NAME)
    tags = clean_tags(raw.tags)
    return Article(
        id=article_id(key),
        key=key,
        source_id=ctx.source_id,
        category=ctx.category,
        title=title,
        url=link,
        guid=guid,
        author=author,
        origin=origin,
        origin_url=_url_or_none(canonical_url(raw.origin_url, ctx.feed_url)),
        feed_url=ctx.feed_url if ctx.from_feed else None,
        published=published,
        published_raw=raw.published_raw,
        date_missing=raw.published is None,
        date_only=raw.date_only,
        content_html=body,
        summary=summary,
        # Tags join the hash only when there are some, so articles stored before tags were kept
        # keep their hash (and are not all "updated" once after an upgrade).
        content_hash=content_hash(title, body, link, raw.author, origin, *(["\x01".join(tags)] if tags else [])),
        first_seen=now,
        updated_at=raw.updated or published,
        tags=tags,
        body_hash=body_hash(body_text),
        signature=signature(body_text),
    )

"""Plain data shared by every stage: no I/O, no package imports.

A source is fetched into a FetchResult, parsed into RawItems (one adapter per
input format), normalized into Articles. Nothing after parse knows which format
an article came from.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

SOURCE_KINDS = ("auto", "feed", "page")
SOURCE_STATUSES = ("new", "ok", "failing", "backoff", "disabled")
FULL_TEXT_MODES = ("auto", "always", "never")


# Characters XML 1.0 cannot carry (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF).
# One such character from an upstream would make every later feed of its category unwritable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str | None) -> str | None:
    """`text` without the characters XML 1.0 forbids (None stays None)."""
    return _XML_INVALID.sub("", text) if text else text


def utcnow() -> datetime:
    """The current time, aware, in UTC, to the second (stored times carry no microseconds)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def to_iso(value: datetime | None) -> str | None:
    """Format an aware datetime as the UTC ISO 8601 text stored in the database."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(value: str | None) -> datetime | None:
    """Read the stored ISO 8601 text back into an aware UTC datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


@dataclass(frozen=True)
class Category:
    """A column of the site: an ASCII URL slug and a display name (often Chinese)."""

    slug: str
    name: str


@dataclass(frozen=True)
class Selectors:
    """Per-source overrides for HTML page sources (CSS selectors, a URL pattern, an encoding).

    Every field is optional; what is not given is found by the extractor's own evidence.
    """

    links: str | None = None  # CSS selector of the article links on a listing page
    title: str | None = None
    body: str | None = None
    date: str | None = None
    author: str | None = None
    origin: str | None = None
    url_pattern: str | None = None  # a regular expression article links must match (re.search)
    encoding: str | None = None  # overrides HTTP/meta charsets and detection

    def is_empty(self) -> bool:
        """True when no override is set."""
        return not any(dataclasses.astuple(self))


@dataclass
class Source:
    """An upstream the aggregator polls, with its fetch state and health."""

    id: int | None
    url: str
    category: str
    name: str | None = None
    kind: str = "auto"
    every: int = 1800
    timezone: str | None = None
    enabled: bool = True
    status: str = "new"
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_fetched_at: datetime | None = None
    last_success_at: datetime | None = None
    next_fetch_at: datetime | None = None
    retry_after_until: datetime | None = None
    consecutive_failures: int = 0
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    site_url: str | None = None
    title: str | None = None
    created_at: datetime | None = None
    warning: str | None = None
    full_text: str | None = None  # auto | always | never; None: the full_text setting
    selectors: Selectors = field(default_factory=Selectors)

    @property
    def display_name(self) -> str:
        """What a person sees: the admin's name, else the upstream's title, else the URL."""
        return self.name or self.title or self.url


@dataclass
class FetchResult:
    """What fetch hands to parse: the bytes and headers, or a 304 with none."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    not_modified: bool = False
    elapsed_ms: int = 0
    permanent_redirect: bool = False

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ("" when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class ParsedFeed:
    """A parsed document: feed-level facts plus its items, format forgotten."""

    title: str | None
    site_url: str | None
    items: list[RawItem]
    format: str
    encoding: str | None = None
    ttl_minutes: int | None = None


@dataclass
class RawItem:
    """One entry as the upstream gave it, before cleaning. Dates already read in the source's zone."""

    guid: str | None
    link: str | None
    title: str | None
    content_html: str | None
    summary_html: str | None = None
    author: str | None = None
    origin_name: str | None = None
    origin_url: str | None = None
    published: datetime | None = None
    published_raw: str | None = None
    date_only: bool = False
    updated: datetime | None = None
    base_url: str | None = None  # an explicit xml:base for the content's relative links
    tags: list[str] = field(default_factory=list)  # the upstream's own categories/tags, plain text, in order


@dataclass
class ExtractedPage:
    """One article page as the page extractor read it (parse/page.py)."""

    item: RawItem  # link = the original URL (原文链接) when the page names one, else the page URL
    page_url: str
    encoding: str
    replaced: bool = False  # the text had to be decoded with replacement characters
    editor: str | None = None  # 责任编辑: kept apart, never taken for the author
    next_pages: list[str] = field(default_factory=list)  # the article's continuation pages, in order


@dataclass
class ListingPage:
    """The article links found on one listing page (parse/listing.py)."""

    links: list[str]  # absolute, fragment dropped, in page order, without duplicates
    next_page: str | None = None  # 下一页 / page 2, when the page has one
    encoding: str = "utf-8"
    title: str | None = None  # the page's <title>, e.g. "反腐纪实_某某网": names the source until an admin does


@dataclass
class Article:
    """One article in its single normalized shape, as stored and published."""

    id: str
    key: str
    source_id: int | None
    category: str
    title: str
    url: str | None
    guid: str | None
    author: str | None
    origin: str | None
    origin_url: str | None
    feed_url: str | None
    published: datetime
    published_raw: str | None
    date_missing: bool
    date_only: bool
    content_html: str
    summary: str
    content_hash: str
    first_seen: datetime
    updated_at: datetime
    tags: list[str] = field(default_factory=list)  # the upstream's own categories/tags, republished
    body_hash: str = ""  # of the body's text with spacing and punctuation folded: "the same body" across sources
    # The near-duplicate fingerprint (normalize.similarity): MinHash values, b"" for a short body.
    # Stored in the fingerprint index, not on the article row.
    signature: bytes = b""
    # The other outlets that carried it, (name, link) in the order they were first seen; read from
    # the sightings when the article is read for publishing, never stored on the article row.
    carried_by: list[tuple[str, str | None]] = field(default_factory=list)
    # The search index's form of (title, body), made in the parse worker off the main process, with
    # the title and body it was made from: store.search uses it only while they are still the
    # article's (full text or a later edit replaces the body). Never stored on the article row.
    search_grams: tuple[str, str, str, str] | None = None

    def replace(self, **changes) -> Article:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

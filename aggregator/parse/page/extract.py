"""Extract one article from an HTML page: headline, time, author, origin, editor, body.

Order of evidence: per-source selectors; the page's own metadata (ArticleTitle, PubDate,
ContentSource, Open Graph, JSON-LD, <time>); the visible byline around the headline;
credits inside the body; a date in the URL as the last resort (a day, never a time).
The body comes from a known CMS container, else from trafilatura. When the visible
byline time and the metadata disagree the visible one wins: CMS metadata is often
stale or broken (ccdi.gov.cn writes the month into PubDate's minutes).

The pieces live beside this module: meta (markup), title (headline), byline
(labelled fields and credits), body (the container), clean (the body's HTML), kind
(listings, error pages, login walls), dom (helpers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...errors import ExtractError
from ...model import ExtractedPage, FetchResult, RawItem, Selectors
from ..dates import date_from_url
from ..encoding import decode
from .body import agrees, find_body_container, general_body, short_body
from .byline import Byline, classed_byline, closing_credit, parse_byline, reporter_in, title_credit
from .clean import CleanBody, clean_body, clean_fragment
from .dom import TextStream, clean_text, drop_invisible, load_html, text_stream
from .fields import first_meta_date, meta_author, resolve_date
from .kind import has_password_field, looks_like_listing, refusal
from .meta import read_meta
from .pages import continuation_links
from .select import check as check_selectors
from .select import select, selected_byline
from .title import TitleChoice, choose_title

__all__ = ["extract_article", "looks_like_listing"]

_REGION = 400  # characters of page text around the headline searched for the byline
_AFTER_BODY = 300  # characters after the body searched for 责任编辑 and 原文链接
_NEAR_BODY = 600  # how far above the body a headline may stand when no metadata names it
_MIN_BODY = 20


@dataclass
class _Regions:
    """Page text where bylines stand: after the headline, just before it, after the body."""

    after_title: str = ""
    before_title: str = ""
    after_body: str = ""


def _body_span(stream: TextStream, container, body: CleanBody, from_container: bool) -> tuple[int, int] | None:
    """Where the body sits in the page text: the container's span, or where trafilatura's text starts."""
    if from_container:
        return stream.span(container)
    for line in body.text.split(" "):
        if len(line) >= 12:
            start = stream.text.find(line[:12])
            if start >= 0:
                return start, start + len(body.text)
    return None


def _heading_above(stream: TextStream, root, body_start: int):
    """The nearest headline-like element above the body (used when no metadata names the title)."""
    best = None
    for element in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        span = stream.span(element)
        text = clean_text(element.text_content())
        if span and span[1] <= body_start and body_start - span[1] <= _NEAR_BODY and 6 <= len(text) <= 100:
            if best is None or span[1] > stream.span(best)[1]:
                best = element
    return best


def _regions(stream: TextStream, title_span, body_span) -> _Regions:
    text = stream.text
    regions = _Regions()
    if title_span:
        end = body_span[0] if body_span and body_span[0] >= title_span[1] else len(text)
        after = text[title_span[1]:end]
        if len(after) > 2 * _REGION:
            after = after[:_REGION] + "\n" + after[-_REGION:]
        regions.after_title = after
        regions.before_title = text[max(0, title_span[0] - _REGION // 2):title_span[0]]
    elif body_span:
        regions.after_title = text[max(0, body_span[0] - _REGION):body_span[0]]
    if body_span:
        regions.after_body = text[body_span[1]:body_span[1] + _AFTER_BODY]
    return regions


def _is_byline_text(text: str) -> bool:
    """A line of byline fields rather than article text: short, with a date or labelled fields."""
    if len(text) > 120:
        return False
    found = parse_byline(text, "UTC")
    return found.date is not None or found.author is not None or found.origin is not None


def _is_empty(body: CleanBody | None) -> bool:
    return body is None or (len(body.text) < _MIN_BODY and "<img" not in body.html)


def _body(container, specific: bool, decoded_text: str, url: str, title: str | None, exclude, tz: str,
          now: datetime | None) -> tuple[CleanBody | None, bool]:
    """The cleaned body and whether it is the container's: a specific container as is,
    a generic one only when trafilatura agrees, else trafilatura's body."""
    own = clean_body(container, title=title, tz=tz, now=now, exclude=exclude) if container is not None else None
    if specific and not _is_empty(own):
        return own, True
    general_html = general_body(decoded_text, url)
    general = clean_fragment(general_html, title=title, tz=tz, now=now) if general_html else None
    if _is_empty(general):
        return own, own is not None
    if not _is_empty(own) and agrees(own.text, general.text):
        return own, True  # the container is the body trafilatura sees, and our cleaning keeps its credits
    return general, False


def extract_article(result: FetchResult, tz: str, *, selectors: Selectors | None = None,
                    now: datetime | None = None, first_url: str | None = None) -> ExtractedPage:
    """Decode (selectors.encoding overrides) and extract one article page.

    Raises ExtractError with a one-line reason for a page with no recognisable article
    (login wall, error page, empty body, a listing page). `first_url`: for a continuation page,
    the article's first page (its later pages are found relative to it).
    """
    selectors = selectors or Selectors()
    check_selectors(selectors)
    if not result.body or not result.body.strip():
        raise ExtractError(f"no article: empty body at {result.final_url}")
    decoded = decode(result.body, result.headers.get("content-type"), selectors.encoding)
    root = load_html(decoded.text)
    if root is None:
        raise ExtractError(f"no article: empty body at {result.final_url}")
    meta = read_meta(root)  # before the cleaning below drops scripts (JSON-LD) and comments (enp)
    # Before the body is cleaned: the pager is one of the things cleaning removes.
    next_pages = continuation_links(root, decoded.text, result.final_url, first_url or result.final_url)
    password = has_password_field(root)
    drop_invisible(root)

    choice = choose_title(root, meta.titles, meta.html_title, meta.site_names, select(root, selectors.title, "title"))
    chosen = select(root, selectors.body, "body")
    if chosen:
        container, specific = max(chosen, key=lambda e: len(e.text_content())), True
    else:
        container, specific = find_body_container(root)
    if not selectors.body and looks_like_listing(root, (container, specific)):
        raise ExtractError(f"no article: a listing page (many dated links, little text) at {result.final_url}")

    body, from_container = _body(container, specific, decoded.text, result.final_url, choice.text,
                                 [choice.element], tz, now)
    if _is_empty(body) and not chosen:
        # A short article (a forum post, a brief notice) under its headline: under the size a
        # container must have, and too little for the general extractor.
        block = short_body(root, choice.element, _is_byline_text)
        if block is not None:
            container, from_container = block, True
            body = clean_body(block, title=choice.text, tz=tz, now=now, exclude=[choice.element])
    reason = refusal(root, meta.html_title, result.status, body.text if body else "", password)
    if reason:
        raise ExtractError(f"no article: {reason} at {result.final_url}")
    if _is_empty(body):
        raise ExtractError(f"no article: no body text found at {result.final_url}")

    stream = text_stream(root)
    body_span = _body_span(stream, container, body, from_container)
    if choice.element is None and not selectors.title and body_span:
        # Nothing in the metadata named the headline ("新闻动态--中国地理学会官网"): the heading
        # right above the body is the best witness.
        heading = _heading_above(stream, root, body_span[0])
        if heading is not None and not any(t not in meta.site_names for t in meta.titles):
            choice = TitleChoice(clean_text(heading.text_content()), heading)
    choice = title_credit(choice)  # "以改革激发发展活力 本刊记者 周八": the name is the author's
    regions = _regions(stream, stream.span(choice.element), body_span)
    byline = selected_byline(root, selectors, tz, now)
    byline.merge(parse_byline(regions.after_title, tz, now))
    if byline.date is None or byline.origin is None:
        byline.merge(parse_byline(regions.before_title, tz, now))
    byline.merge(body.byline)
    if byline.author is None or byline.origin is None:
        byline.merge(classed_byline(root))
    tail = parse_byline(regions.after_body, tz, now)
    byline.merge(Byline(editor=tail.editor, original_url=tail.original_url))

    editor = byline.editor or (meta.editors[0] if meta.editors else None)
    origin = byline.origin or (meta.origins[0] if meta.origins else None) or meta.publisher \
        or (meta.site_names[0] if meta.site_names else None)
    author = byline.author or choice.author or reporter_in(body.text[:300]) or closing_credit(body.text) \
        or meta_author(meta, editor, origin)
    url_date = date_from_url(result.final_url, tz, now=now) or date_from_url(meta.canonical, tz, now=now)
    when = resolve_date(byline.date, first_meta_date(meta, tz, now), url_date, tz)

    item = RawItem(
        guid=None,
        link=byline.original_url or result.final_url,
        title=clean_text(choice.text) or None,
        content_html=body.html,
        author=author,
        origin_name=origin,
        published=when.parsed.value if when else None,
        published_raw=when.raw if when else None,
        date_only=when.parsed.date_only if when else False,
        base_url=result.final_url,  # relative links in the body belong to this page, not to 原文链接
    )
    return ExtractedPage(item=item, page_url=result.final_url, encoding=decoded.encoding,
                         replaced=decoded.replaced, editor=editor, next_pages=next_pages)

"""Per-source CSS selectors (Selectors.title/body/date/author/origin): the admin's word wins.

A selector that matches nothing leaves the field to the extractor's own evidence; a
selector that is not valid CSS is an ExtractError naming it, so the source's error
says what to fix instead of a traceback.
"""

from __future__ import annotations

from datetime import datetime

import lxml.html
from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from ...errors import ExtractError
from ...model import Selectors
from .byline import Byline, parse_byline
from ..dates import find_date
from .dom import clean_text


def select(root: lxml.html.HtmlElement, selector: str | None, field: str) -> list[lxml.html.HtmlElement]:
    """The elements `selector` matches (none when it is unset); ExtractError when it is not CSS."""
    if not selector:
        return []
    try:
        return CSSSelector(selector)(root)
    except (SelectorError, SyntaxError, ValueError) as exc:
        raise ExtractError(f"invalid CSS selector for {field}: {selector!r} ({exc})") from None


def check(selectors: Selectors) -> None:
    """Raise ExtractError for any selector that is not valid CSS, before any work is done."""
    probe = lxml.html.fromstring("<p></p>")
    for field in ("title", "body", "date", "author", "origin", "links"):
        select(probe, getattr(selectors, field), field)


def selected_byline(root: lxml.html.HtmlElement, selectors: Selectors, tz: str, now: datetime | None) -> Byline:
    """Date, author and origin read from the elements the source's selectors name."""
    byline = Byline()
    for element in select(root, selectors.date, "date")[:1]:
        text = clean_text(element.text_content()) or clean_text(element.get("datetime") or element.get("content"))
        byline.date = find_date(text, tz, now=now)
        byline.date_labelled = byline.date is not None
    for element in select(root, selectors.author, "author")[:1]:
        text = clean_text(element.text_content())
        byline.author = parse_byline(f"作者：{text}", tz, now).author if text else None
    for element in select(root, selectors.origin, "origin")[:1]:
        text = clean_text(element.text_content())
        byline.origin = parse_byline(f"来源：{text}", tz, now).origin if text else None
    return byline

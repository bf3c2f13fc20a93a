"""Small lxml helpers the page extractor shares: loading, hidden parts, text with block breaks.

Everything here works on an lxml.html tree of one decoded page; nothing touches the
network or the file system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

# Code, forms and embedded objects are never article text.
# <form> is not listed: ASP.NET and many CMS pages wrap the whole page, article included, in one.
NON_CONTENT = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
               "button", "input", "select", "textarea", "link", "meta", "head", "title", "xml", "video", "audio")
BLOCK_TAGS = frozenset((
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr",
    "td", "th", "tbody", "thead", "tfoot", "section", "article", "header", "footer", "aside", "nav", "main",
    "blockquote", "pre", "figure", "figcaption", "center", "address", "hr", "caption", "form", "body", "html",
))
# Zero-width characters CMS editors leave in titles ("\u200b坚持以严的基调...").
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE = re.compile(r"[\s\u3000\xa0]+")
_LEAD = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)", re.S)
_HEADING_WITH_P = re.compile(r"<h([1-6])(\b[^>]*)>((?:(?!</?h[1-6]\b).){0,2000}?<p\b(?:(?!</?h[1-6]\b).){0,2000}?)</h\1>",
                             re.S | re.I)
_P_OPEN = re.compile(r"<p\b", re.I)
_P_CLOSE = re.compile(r"</p\s*>", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Angular's class for an element its template hides (nfra.gov.cn keeps hidden copies of fields).
_HIDDEN_CLASSES = {"ng-hide", "hidden", "hide", "sr-only", "visually-hidden"}


def clean_text(text: str | None) -> str:
    """Text with invisible characters removed and every run of white space (also U+3000) one space."""
    if not text:
        return ""
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def _keep_heading_lines(match: re.Match) -> str:
    inner = _P_OPEN.sub("<span", match.group(3))
    inner = _P_CLOSE.sub("</span><br>", inner)
    return f"<h{match.group(1)}{match.group(2)}>{inner}</h{match.group(1)}>"


def load_html(text: str) -> lxml.html.HtmlElement | None:
    """The page's lxml tree, or None when the text holds no HTML at all.

    The text is already decoded, so any XML declaration (lxml refuses one in a str) is dropped.
    """
    text = _LEAD.sub("", text, count=1)
    if not text.strip():
        return None
    # Browsers keep <h2><p>kicker</p><p>title</p></h2> as one heading; libxml2 closes the
    # <h2> at the first <p> and leaves it empty (ccdi.gov.cn's two-line headlines).
    text = _HEADING_WITH_P.sub(_keep_heading_lines, text)
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def is_hidden(element: lxml.html.HtmlElement) -> bool:
    """True for an element the page never shows: display:none, the hidden attribute, ng-hide."""
    if element.get("hidden") is not None:
        return True
    style = element.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    classes = (element.get("class") or "").split()
    return any(name in _HIDDEN_CLASSES for name in classes)


def drop_invisible(root: lxml.html.HtmlElement) -> None:
    """Remove code, forms and hidden elements in place (their tails stay: they are visible)."""
    doomed = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            if isinstance(element, etree._Comment):
                doomed.append(element)
            continue
        if element.tag in NON_CONTENT and element.tag not in ("head", "title", "meta", "html"):
            doomed.append(element)
        elif element.tag not in ("html", "body") and is_hidden(element):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def text_of(element: lxml.html.HtmlElement) -> str:
    """The visible text of an element, white space folded."""
    return clean_text(element.text_content())


def link_text_length(element: lxml.html.HtmlElement) -> int:
    """How many characters of the element's text sit inside links."""
    return sum(len(clean_text(a.text_content())) for a in element.iter("a"))


@dataclass
class TextStream:
    """The page as one string with a newline at every block edge, and where each element sits in it."""

    text: str
    # Keyed by the elements themselves, not id(): lxml makes a new proxy object on each access.
    spans: dict = field(default_factory=dict)  # element -> (start, end)

    def span(self, element: lxml.html.HtmlElement | None) -> tuple[int, int] | None:
        """The (start, end) offsets of an element's text, None if not in this stream."""
        return self.spans.get(element) if element is not None else None


def text_stream(root: lxml.html.HtmlElement) -> TextStream:
    """Serialize the visible text in document order, recording each element's span.

    Inline elements keep the text flowing ("来源：<a>新华网</a>" stays one line), block
    elements start new lines, so a byline split over spans still reads as one line.
    """
    parts: list[str] = []
    length = 0
    spans: dict = {}

    def add(piece: str | None) -> None:
        nonlocal length
        if piece:
            # Source line breaks inside a text node are just spaces; only block edges break lines.
            piece = piece if piece == "\n" else _SPACE.sub(" ", _INVISIBLE.sub("", piece))
            parts.append(piece)
            length += len(piece)

    def walk(element) -> None:
        if not isinstance(element.tag, str) or element.tag in NON_CONTENT:
            add(element.tail)
            return
        block = element.tag in BLOCK_TAGS
        if block:
            add("\n")
        start = length
        add(element.text)
        for child in element:
            walk(child)
        spans[element] = (start, length)
        if block:
            add("\n")
        add(element.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    return TextStream("".join(parts), spans)


def fold_lines(text: str) -> str:
    """Fold white space inside each line and drop empty lines, keeping the line breaks."""
    lines = (clean_text(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)

"""The allowlist every stored body passes through, last, so nothing after it can add risk.

nh3 (the Rust ammonia sanitizer) keeps a fixed set of tags and attributes; script,
style, iframe and their kin go with their contents; only http(s) and mailto links
survive, and data: URLs only as image sources. Relative links and images are made
absolute against the article's URL in the same pass.
"""

from __future__ import annotations

import html
import re
from contextvars import ContextVar
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from lxml import etree

_TAGS = {
    "p", "br", "a", "img", "strong", "b", "em", "i", "u", "s", "del", "ins", "sub", "sup", "small",
    "blockquote", "q", "cite", "abbr", "ul", "ol", "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6",
    "pre", "code", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "figure",
    "figcaption", "hr", "span", "div", "center",
}
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg",
                      "math", "frame", "frameset", "applet", "form", "select", "textarea", "button"}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "abbr": {"title"},
    "p": {"align"},
}
_URL_ATTRS = {("a", "href"), ("img", "src")}
_base: ContextVar[str] = ContextVar("sanitize_base", default="")
_SPACE = re.compile(r"\s+")
_BLOCK_EDGE = re.compile(
    r"<br\s*/?>|</(?:p|div|li|dt|dd|h[1-6]|blockquote|pre|tr|td|th|table|figure|figcaption|caption)\s*>", re.I)
# A tag of sanitized markup (quoted attribute values may hold ">"), and what sanitized markup never
# holds: comments, CDATA, raw-text elements. Those go the slow way, through lxml.
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_NOT_PLAIN_MARKUP = re.compile(r"<!|<\?|<(?:script|style|textarea|title|xmp|noscript)\b", re.I)


def _filter(tag: str, attr: str, value: str) -> str | None:
    """Resolve and police URL attributes; everything else on the allowlist passes."""
    if (tag, attr) not in _URL_ATTRS:
        return value
    value = value.strip()
    if tag == "img" and value.lower().startswith("data:image/"):
        return value
    try:
        absolute = urljoin(_base.get(), value)
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:  # e.g. "http://[::1": an unreadable URL is dropped, not raised through nh3
        return None
    if scheme in ("http", "https") or (tag == "a" and scheme == "mailto"):
        return absolute
    return None


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags=_DROP_WITH_CONTENT,
    attributes=_ATTRIBUTES,
    attribute_filter=_filter,
    url_schemes={"http", "https", "mailto", "data"},
    strip_comments=True,
    link_rel="noopener noreferrer",
)


MAX_DEPTH = 64  # real article bodies nest a dozen levels; tables in tables perhaps thirty
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
_VOID = {"br", "img", "hr", "wbr", "input", "meta", "link", "area", "base", "col", "embed", "source", "track",
         "param"}


def flatten_deep(fragment: str, max_depth: int = MAX_DEPTH) -> str:
    """Drop the tags (not the text) nested deeper than `max_depth`, in one linear pass.

    The sanitizer's time grows with the square of the nesting: 100,000 nested <div>s (1.1 MB)
    cost about 80 s of one fetch. No real article nests that deep, so the extra levels go.
    """
    if fragment.count("<") <= 2 * max_depth:
        return fragment  # too few tags to nest that deep: nothing to scan
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag name, kept)
    depth = last = 0
    for match in _TAG.finditer(fragment):
        out.append(fragment[last:match.start()])
        last = match.end()
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID or match.group(0).endswith("/>"):
            out.append(match.group(0))
            continue
        if not closing:
            kept = depth < max_depth
            stack.append((name, kept))
            depth += kept
            if kept:
                out.append(match.group(0))
            continue
        # A closing tag closes the nearest open element of its name (and whatever is left open inside).
        # Looked for among the nearest few only, so stray closing tags cannot make this quadratic.
        for index in range(len(stack) - 1, max(-1, len(stack) - 1 - 4 * max_depth), -1):
            if stack[index][0] == name:
                closed = stack[index:]
                del stack[index:]
                depth -= sum(kept for _, kept in closed)
                if closed[0][1]:
                    out.append(match.group(0))
                break
    out.append(fragment[last:])
    return "".join(out)


def sanitize_html(fragment: str, base_url: str | None) -> str:
    """Clean `fragment` through the allowlist, making its links absolute against `base_url`."""
    token = _base.set(base_url or "")
    try:
        return _CLEANER.clean(flatten_deep(fragment)).strip()
    finally:
        _base.reset(token)


def plain_text(fragment: str, limit: int | None = None) -> str:
    """Visible text of (already sanitized) HTML, whitespace folded, cut at `limit` characters."""
    if not fragment.strip():
        return ""
    # text_content() glues "<p>One.</p><p>Two.</p>" into "One.Two.": mark the block
    # boundaries and line breaks first so the words stay apart.
    spaced = _BLOCK_EDGE.sub(lambda m: m.group(0) + " ", fragment)
    if not _NOT_PLAIN_MARKUP.search(spaced):
        # Sanitized markup is well formed: dropping the tags and resolving the entities reads the
        # same text as lxml's text_content() at a tenth of the cost (this runs for every stored item).
        text = html.unescape(_TAG.sub("", spaced))
    else:
        try:
            text = lxml.html.fragment_fromstring(spaced, create_parent="div").text_content()
        except (etree.ParserError, ValueError):
            text = re.sub(r"<[^>]+>", " ", spaced)
    text = _SPACE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        return text[: limit - 1].rstrip() + "…"
    return text

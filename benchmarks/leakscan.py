"""Find active content in published output: what a feed reader or browser would execute.

Used by conformance.py. The structural check parses each HTML payload (lxml.html)
and fails on script-capable elements, on<event> attributes and javascript:/vbscript:/
data:text/html URLs in URL-bearing attributes. The brief's raw-text patterns
(<script, on<event>=, javascript:, ...) are grepped as well; a hit the structural
check does not confirm is placed (visible text node, inert attribute such as alt,
plain-text field of the feed) and reported as ruled out. A raw hit the checker cannot
place is a failure, because a browser's HTML5 parser may read the markup differently
from libxml2.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

# The textual red flags of the brief, grepped in every payload.
PATTERNS = {
    "<script": re.compile(r"<script", re.I),
    "on<event>=": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript:": re.compile(r"javascript:", re.I),
    "vbscript:": re.compile(r"vbscript:", re.I),
    "data:text/html": re.compile(r"data:text/html", re.I),
}
# Elements that run script or navigate the page by themselves.
ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form",
               "svg", "math"}
BAD_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:text/html", "data:application/xhtml",
               "data:image/svg")
# Attributes whose value a browser treats as a URL (or a list of them).
URL_ATTRS = {"href", "src", "action", "formaction", "background", "poster", "lowsrc", "dynsrc", "cite",
             "longdesc", "usemap", "codebase", "data", "srcset", "xlink:href", "manifest", "icon", "ping",
             "{http://www.w3.org/1999/xlink}href"}
_STRIP_IN_URL = re.compile(r"[\x00-\x20\x7f]+")

RSS_HTML = {"description", "{http://purl.org/rss/1.0/modules/content/}encoded"}
ATOM = "{http://www.w3.org/2005/Atom}"
ATOM_TEXT_CONSTRUCTS = {f"{ATOM}{t}" for t in ("title", "subtitle", "summary", "content", "rights")}
FEED_URL_TEXT = {"link", "guid", "comments", "docs", f"{ATOM}id", f"{ATOM}uri", f"{ATOM}icon", f"{ATOM}logo"}


@dataclass
class Finding:
    """One suspicious string in one output."""

    where: str
    pattern: str
    detail: str


def _bad_url(value: str) -> str | None:
    """The dangerous scheme a URL-ish value carries, as a browser would read it (entities already decoded)."""
    squeezed = _STRIP_IN_URL.sub("", html.unescape(value)).lower()
    for scheme in BAD_SCHEMES:
        if squeezed.startswith(scheme):
            return scheme
    if ",javascript:" in squeezed or " javascript:" in value.lower():  # srcset lists
        return "javascript:"
    return None


def _own_search_form(el) -> bool:
    """The site's own search box in a page's chrome (header or the search page), not content: a GET
    form to our /search with one text field, outside the article body."""
    inputs = [i for i in el.iter("input") if (i.get("type") or "text").lower() in ("search", "text")]
    in_body = any((a.get("class") or "") == "body" for a in el.iterancestors())
    return ((el.get("class") or "") == "search" and (el.get("action") or "").endswith("/search")
            and (el.get("method") or "get").lower() == "get" and len(inputs) == 1 and not in_body)


def _structural(root, where: str, document: bool = False) -> list[str]:
    """Active markup in a parsed HTML tree: script-like elements, event handlers, script URLs.
    In a whole page (`document`), the site's own search form is chrome, not a leak."""
    problems = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in ACTIVE_TAGS and not (document and _own_search_form(el)):
            problems.append(f"{where}: <{tag}> element")
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            problems.append(f"{where}: <meta http-equiv=refresh>")
        for name, value in el.attrib.items():
            lname = name.lower()
            if lname.startswith("on"):
                problems.append(f"{where}: <{tag} {name}=...> event handler")
            elif lname in URL_ATTRS:
                scheme = _bad_url(value)
                if scheme and not (tag == "img" and lname == "src" and scheme == "data:image/svg"):
                    problems.append(f"{where}: <{tag} {name}={value[:60]!r}> ({scheme})")
            elif lname == "style" and re.search(r"expression\s*\(|javascript:|behavior\s*:|-moz-binding",
                                                value, re.I):
                problems.append(f"{where}: <{tag} style={value[:60]!r}>")
    return problems


def _locate(root, needle: re.Pattern) -> str:
    """Where in a parsed tree a textual hit lives, to explain why it is inert."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            if needle.search(" " + html.unescape(value)):
                return f"value of attribute {name!r} on <{el.tag}> (not a URL or handler attribute)"
        for text in (el.text, el.tail):
            if text and needle.search(" " + text):
                return f"visible text in <{el.tag}> (a text node, escaped in the markup)"
    return ""


def scan_html(markup: str, where: str, *, document: bool = False) -> tuple[list[str], list[Finding]]:
    """Failures and ruled-out textual hits in one HTML payload or page."""
    if not markup.strip():
        return [], []
    try:
        if document:
            root = lxml.html.document_fromstring(markup)
        else:
            root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError) as exc:
        return [f"{where}: HTML payload unparseable ({exc})"], []
    problems = _structural(root, where, document)
    ruled_out = []
    if not problems:
        for label, pattern in PATTERNS.items():
            match = pattern.search(markup)
            if match:
                place = _locate(root, pattern)
                if place:
                    ruled_out.append(Finding(where, label, place))
                else:  # our parser dropped it; a browser's HTML5 parser might not, so it is not ruled out
                    problems.append(f"{where}: raw {label!r} in the payload that the checker cannot place "
                                    f"in text or an attribute: {markup[max(0, match.start() - 30):match.end() + 30]!r}")
    return problems, ruled_out


def _text_hits(text: str, where: str) -> list[Finding]:
    """Pattern hits in a plain-text field: inert by the format's rules, reported as ruled out."""
    return [Finding(where, label, "plain-text field (escaped in the XML, text by the format's rules)")
            for label, pattern in PATTERNS.items() if pattern.search(text)]


def scan_feed(data: bytes, kind: str) -> tuple[list[str], list[Finding]]:
    """Parse a produced feed and scan its HTML payloads, text fields and URLs."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [f"{kind}: published feed is not well-formed XML: {exc}"], []
    problems: list[str] = []
    ruled_out: list[Finding] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        where = f"{kind} <{local}>"
        for name, value in el.attrib.items():
            if etree.QName(name).localname in ("href", "src", "uri", "url") and _bad_url(value):
                problems.append(f"{where} {name}={value[:60]!r}")
        if el.tag in FEED_URL_TEXT and el.text and _bad_url(el.text.strip()):
            problems.append(f"{where} URL text {el.text.strip()[:60]!r}")
        if kind == "rss" and el.tag in RSS_HTML:
            p, r = scan_html(el.text or "", where)
            problems += p
            ruled_out += r
        elif kind == "atom" and el.tag in ATOM_TEXT_CONSTRUCTS:
            ctype = (el.get("type") or "text").lower()
            if ctype == "html":
                p, r = scan_html(el.text or "", f"{where} type=html")
            elif ctype == "xhtml":
                inner = "".join(etree.tostring(child, encoding="unicode", method="html") for child in el)
                p, r = scan_html(inner, f"{where} type=xhtml")
            else:
                p, r = [], _text_hits(el.text or "", f"{where} type={ctype}")
            problems += p
            ruled_out += r
        elif el.text and len(el) == 0:
            ruled_out += _text_hits(el.text, where)
    return problems, ruled_out

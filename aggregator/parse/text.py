"""Small HTML-to-text helper shared by the parsers (no feedparser, no network)."""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

_SPACE = re.compile(r"\s+")


def html_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment, entities decoded, whitespace folded."""
    if "<" not in fragment:
        return _SPACE.sub(" ", html.unescape(fragment)).strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        for element in list(root.iter("script", "style", "noscript", "template")):
            element.drop_tree()  # code is not text: it must not become a title or an origin name
        text = root.text_content()
    except (etree.ParserError, ValueError):
        text = re.sub(r"<[^>]*>", " ", fragment)
    return _SPACE.sub(" ", html.unescape(text)).strip()

"""The headline: the visible heading that matches what the page's metadata calls its title.

<title> is usually "headline - column - site"; <meta name="ArticleTitle"> and og:title are
cleaner but sometimes empty, truncated, stale or escaped markup. So the references
(meta titles and the head of <title>) pick the visible heading, and the visible
heading wins: it is what a reader sees. A heading of several lines is a kicker,
title and subtitle, or a title with its author's name under it (zgjjjc.ccdi.gov.cn).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import lxml.html

from .dom import BLOCK_TAGS, clean_text

# Separators between the parts of <title>, strongest first; "|" also splits headlines
# ("深度关注 | 严查借快递送礼"), so it is only tried when nothing stronger splits.
_TITLE_SEPARATORS = (re.compile(r"\s*(?:——|--|－－|__)+\s*|\s*_\s*|\s+[-–—]\s+|\s*::\s*"),
                     re.compile(r"\s*[|｜]\s*"))
_TITLE_HINT = re.compile(r"title|tit\b|tit_|headline|biaoti|bt\b|artTit|heading", re.I)
_NAME_LINE = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]\s+[\u4e00-\u9fff]")
_TAG_BONUS = {"h1": 0.3, "h2": 0.2, "h3": 0.1}
# Texts of share and tool widgets, which some templates put in <title> or an <h2> of their own.
_WIDGET = re.compile(r"扫一扫|分享到|^\s*分享\s*$|手机(?:看|阅读|访问)|打印本页|关闭窗口|返回顶部|加入收藏|设为首页")


@dataclass
class TitleChoice:
    """The headline, the element it was read from (None when from metadata), a name printed under it."""

    text: str | None
    element: lxml.html.HtmlElement | None = None
    author: str | None = None


def title_parts(html_title: str, site_names: list[str]) -> list[str]:
    """The parts of <title> that can be the headline, longest first; known site names dropped.

    Sites order the parts either way ("headline_column_site", "column_column_headline"),
    and the headline is nearly always the longest part.
    """
    for separator in _TITLE_SEPARATORS:
        parts = [part for part in separator.split(html_title) if part]
        if len(parts) > 1:
            candidates = [p for p in parts if p not in site_names] or parts
            return sorted(candidates, key=len, reverse=True)
    return [html_title] if html_title else []


def _similarity(candidate: str, reference: str) -> float:
    if not candidate or not reference:
        return 0.0
    if candidate == reference:
        return 1.0
    short, long_ = sorted((candidate, reference), key=len)
    if len(short) >= 4 and short in long_:
        return 0.6 + 0.35 * len(short) / len(long_)
    common = sum((Counter(candidate) & Counter(reference)).values())
    return 0.9 * common / max(len(candidate), len(reference))


def _lines(element: lxml.html.HtmlElement) -> list[str]:
    """The element's text split where it breaks lines (<br>, <p>, other blocks)."""
    pieces: list[str] = [element.text or ""]

    def walk(node) -> None:
        for child in node:
            if not isinstance(child.tag, str):
                pieces.append(child.tail or "")
                continue
            block = child.tag in BLOCK_TAGS
            if block:
                pieces.append("\n")
            pieces.append(child.text or "")
            walk(child)
            if block:
                pieces.append("\n")
            pieces.append(child.tail or "")

    walk(element)
    return [line for line in (clean_text(x) for x in "".join(pieces).split("\n")) if line]


def _candidates(root: lxml.html.HtmlElement):
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("title", "head", "html", "body", "a"):
            continue
        hinted = _TITLE_HINT.search(f"{element.get('class', '')} {element.get('id', '')}")
        if element.tag in _TAG_BONUS or (hinted and element.tag in ("div", "p", "span", "td", "strong", "h4")):
            text = clean_text(element.text_content())
            if 4 <= len(text) <= 200:
                yield element, text, bool(hinted)


def _resolve_lines(lines: list[str], references: list[str], meta_titles: list[str]) -> tuple[str, str | None]:
    """One headline from a heading of several lines, and an author name printed as its last line."""
    author = None
    if len(lines) > 1 and _NAME_LINE.fullmatch(lines[-1]):
        author = lines.pop().replace(" ", "")
    if len(lines) > 1:
        if "".join(lines) in meta_titles:
            return "".join(lines), author  # a title broken with <br> only for layout (nfra.gov.cn)
        for line in lines:
            if line in references:
                return line, author  # the others are kicker (引题) or subtitle lines
    return " ".join(lines), author


def _plain_match(root: lxml.html.HtmlElement, references: list[str]) -> lxml.html.HtmlElement | None:
    """An element of any kind whose whole text is a reference title (a headline in a plain <div>)."""
    wanted = {ref for ref in references if len(ref) >= 4}
    for element in root.iter("div", "p", "span", "td", "strong", "b", "font", "em", "center"):
        if clean_text(element.text_content()) in wanted:
            return element
    return None


def choose_title(root: lxml.html.HtmlElement, meta_titles: list[str], html_title: str,
                 site_names: list[str], selected: list | None = None) -> TitleChoice:
    """Pick the headline from visible headings, metadata and <title>, in that order of trust.

    `selected` are the elements a per-source title selector matched: the first with text wins.
    """
    metas = [t for t in meta_titles if t not in site_names and not _WIDGET.search(t)]
    parts = [p for p in title_parts(html_title, site_names) if not _WIDGET.search(p)]
    references = metas + parts
    # Weights: the metadata's titles and the longest part of <title> are the headline's best
    # witnesses; a shorter part of <title> is more likely a column or site name.
    weighted = [(ref, 1.0) for ref in metas] + [(ref, 1.0 if i == 0 else 0.7) for i, ref in enumerate(parts)]
    if selected:
        for element in selected:
            lines = _lines(element)
            if lines:
                text, author = _resolve_lines(lines, references, metas)
                return TitleChoice(text, element, author)
    best: tuple[float, int] | None = None
    chosen = None
    for order, (element, text, hinted) in enumerate(_candidates(root)):
        if text in site_names or _WIDGET.search(text):
            continue
        similarity = max((weight * _similarity(text, ref) for ref, weight in weighted), default=0.0)
        if html_title.startswith(text) and len(text) >= 6:
            similarity = max(similarity, 0.8)  # a heading that opens <title> is its headline
        if similarity < 0.55:
            continue
        score = similarity + _TAG_BONUS.get(element.tag, 0.0) + (0.05 if hinted else 0.0)
        if best is None or score > best[0] + 1e-9:
            best, chosen = (score, order), element
    if chosen is None:
        chosen = _plain_match(root, metas + parts[:1])
    if chosen is not None:
        text, author = _resolve_lines(_lines(chosen), references, metas)
        return TitleChoice(text, chosen, author)
    if references:
        return TitleChoice(references[0])
    h1 = root.find(".//h1")
    return TitleChoice(clean_text(h1.text_content()) or None if h1 is not None else None, h1)

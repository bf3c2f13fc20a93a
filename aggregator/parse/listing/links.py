"""Find the article links of a listing (column) page.

A column page of a Chinese CMS is a frame (header, navigation, breadcrumbs, sidebar
blocks of 热点/推荐, footer) around one list of dated headlines. Without a per-source
selector the list is found by scoring containers: every <a> is scored on its own
(a headline has 8+ characters, an article URL carries a date or a long numeric id, a
column URL ends in / or index.html), then each ancestor of a link is credited once per
child ("list item") holding a good link, with a bonus for an item that shows a date.
The container with the highest credit is the list; navigation, footers, carousels and
related/hot blocks are discounted by their tags, class names and headings. Sibling
containers of the same kind (a list split into several <ul>) are taken together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree
from lxml.cssselect import SelectorError
from lxml.html import HtmlElement

from ...errors import ParseError
from ...model import FetchResult, ListingPage, Selectors
from ..encoding import decode
from ..guard import check_prolog
from .next import find_next_page
from .urls import resolve, site_of, url_score

__all__ = ["find_article_links"]

NO_LINKS = "no article links found on the page"
MAX_ANCHORS = 5_000  # links considered per listing page (real column pages have 20-200)
MAX_LINKS = 1_000  # article links taken from one listing page
# The text is decoded by us: lxml must read our UTF-8 bytes as UTF-8, not by <meta charset="gbk">.
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
_BOILERPLATE_TAGS = {"nav", "header", "footer", "aside"}
# Class and id words of page furniture: navigation, footers, sidebars, hot/recommended/related
# blocks, friendly links, carousels. "photo" is not "hot"; animate.css "slideInRight" is no
# carousel; a bare "side" or "right" often holds the main list beside a column menu.
_BOILERPLATE = re.compile(
    r"nav|menu|footer|header|breadcrumb|crumb|sidebar|aside|(?<![a-z])hot|rank|related|recommend"
    r"|tuijian|rdtj|rmtj|rdxw|xgxw|xgwz|xgyd|yqlj|friend|share|swiper|slick|carousel"
    r"|slide(?!in|out|up|down|left|right)|focus|banner|marquee|headline", re.I)
# Headings of blocks that list other pages than the column's own.
_ASIDE_HEADING = re.compile(r"热点|热门|推荐|相关|排行|猜你喜欢|友情链接|延伸阅读|大家都在看")
# A date beside a headline: 2024-11-03, 2024/11/3, 2024年11月3日, [11-03], 11-3 10:55, 11月03日.
_DATE = re.compile(r"(?<!\d)(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{2}-\d{2}"
                   r"|\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}|\d{1,2}月\d{1,2}日)(?!\d)")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_MIN_SCORE = 3.0  # one strong dated item, or two plain ones: less is not a list of articles
_DATE_BONUS = 1.5
_DISCOUNT = 0.2  # what a container looking like page furniture keeps of its score


@dataclass
class _Link:
    anchor: HtmlElement
    url: str
    score: float
    chain: list[HtmlElement]  # ancestors, nearest first


def find_article_links(result: FetchResult, *, selectors: Selectors | None = None,
                       same_site: bool = True) -> ListingPage:
    """Decode (selectors.encoding overrides) and find the article links of a listing (column) page.

    With selectors.links (a CSS selector) only those elements' links (or the elements
    themselves when they are <a>) are taken; otherwise the main list of headlines is found
    by scoring containers. selectors.url_pattern (a regex, re.search on the absolute URL)
    filters links. With same_site, links to other registrable domains are dropped
    (subdomains of the page's own count as the same site). Links are absolute (against
    <base href> when set), without fragments, in page order, without duplicates.
    Raises ParseError "no article links found on the page" when there are none, and for a
    bad selector or pattern.
    """
    selectors = selectors or Selectors()
    page_url = result.final_url or result.url
    decoded = decode(result.body, result.headers.get("content-type"), selectors.encoding)
    root = _parse(decoded.text)
    base_url = _base_url(root, page_url)
    for element in list(root.iter("noscript", "template")):
        element.drop_tree()  # alternative markup for old browsers: the same links again, or none
    anchors = []
    for a in root.iter("a"):
        if (url := resolve(base_url, a.get("href"))):
            anchors.append((a, url))
            if len(anchors) == MAX_ANCHORS:
                break  # a column page lists tens of links; past this it is a site map or an attack
    next_page = find_next_page(root, decoded.text, page_url, anchors)
    pattern = _compile(selectors.url_pattern)
    page = resolve(page_url, page_url)
    site = site_of(page_url)

    def keep(url: str) -> bool:
        return url != page and (not same_site or site_of(url) == site) \
            and (pattern is None or pattern.search(url) is not None)

    if selectors.links:
        chosen = {id(a) for a in _selected(root, selectors.links)}
        urls = [url for a, url in anchors if id(a) in chosen and keep(url)]
        reason = f'{NO_LINKS} (the links selector "{selectors.links}" matched none)'
    else:
        urls = _scored_links([(a, url) for a, url in anchors if keep(url)])
        reason = NO_LINKS
    links = list(dict.fromkeys(urls))[:MAX_LINKS]
    if not links:
        raise ParseError(reason)
    title_element = root.find(".//title")
    title = " ".join(title_element.text_content().split()) if title_element is not None else ""
    return ListingPage(links=links, next_page=next_page, encoding=decoded.encoding, title=title or None)


def _parse(text: str) -> HtmlElement:
    if not text.strip():
        raise ParseError(f"{NO_LINKS} (empty body)")
    check_prolog(text)  # no parser sees a document declaring entities
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"{NO_LINKS} (unreadable HTML: {exc})") from None


def _base_url(root: HtmlElement, page_url: str) -> str:
    """Relative links are relative to the first <base href> (a bare <base target> changes nothing)."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return resolve(page_url, href) or page_url
    return page_url


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ParseError(f"bad url_pattern {pattern!r}: {exc}") from None


def _selected(root: HtmlElement, selector: str) -> list[HtmlElement]:
    """The <a> elements a links selector picks: the matches themselves, or the links inside them."""
    try:
        matches = root.cssselect(selector)
    except SelectorError as exc:
        raise ParseError(f'bad links selector "{selector}": {exc}') from None
    anchors: list[HtmlElement] = []
    for match in matches:
        anchors.extend([match] if match.tag == "a" else match.iter("a"))
    return anchors


def _letters(text: str) -> int:
    """Letters and CJK characters: "210跟贴210" is a comment count, not an eight-character headline."""
    return len(_NOT_LETTERS.sub("", text))


def _text_score(anchor: HtmlElement) -> float:
    """Headlines are long; 首页, 更多>>, page numbers and section names are short."""
    text = anchor.text_content().strip() or (anchor.get("title") or "").strip()
    if not text:
        text = " ".join(img.get("alt") or "" for img in anchor.iter("img")).strip()
    length = _letters(text)
    if length >= 8:
        return 2.0
    if length >= 5:
        return 0.5
    return -1.0 if length else -0.5


def _candidates(anchors: list[tuple[HtmlElement, str]]) -> list[_Link]:
    return [_Link(a, url, _text_score(a) + url_score(url), list(a.iterancestors()))
            for a, url in anchors]


def _item_of(link: _Link, urls_below: dict[HtmlElement, set[str]]) -> HtmlElement:
    """The widest element around the link that holds no other good link: its list item."""
    item = link.anchor
    for parent in link.chain[:4]:
        below = urls_below.get(parent, ())
        # Another URL below: more than one, or one that is not ours. (Not a set difference: that
        # copies the whole list's URLs for every link of it, quadratic on a 40,000-link page.)
        if len(below) > 1 or (below and link.url not in below):
            break
        item = parent
    return item


def _has_date(item: HtmlElement, anchor: HtmlElement) -> bool:
    """A date in the item beside the headline (or right after a bare link in a flat list)."""
    own = anchor.text_content()
    text = item.text_content().replace(own, " ", 1) if item is not anchor else ""
    nearby = [text, anchor.tail or ""]
    for sibling in (anchor.getnext(), anchor.getprevious()):
        if sibling is not None and sibling.tag != "a" and item is anchor:
            nearby.append(sibling.text_content())
    return any(_DATE.search(part[:200]) for part in nearby)


def _in_furniture(element: HtmlElement, cache: dict[HtmlElement, bool]) -> bool:
    """True inside navigation, a header or footer, a sidebar, a carousel or a hot/related block."""
    path, node, found = [], element, False
    while node is not None and node.tag not in ("body", "html"):  # a page-wide class says nothing
        if node in cache:
            found = cache[node]
            break
        path.append(node)
        if node.tag in _BOILERPLATE_TAGS or _BOILERPLATE.search(f"{node.get('class')} {node.get('id')}"):
            found = True
            break
        node = node.getparent()
    for seen in path:  # every node on the way shares the answer: it is inside the same ancestors
        cache[seen] = found
    return found


def _under_aside_heading(element: HtmlElement) -> bool:
    """A block titled 热点/推荐/相关...: its heading is the element before it (or before its parent)."""
    heading = element.getprevious()
    if heading is None and element.getparent() is not None:
        heading = element.getparent().getprevious()
    label = heading.text_content().strip() if heading is not None else ""
    return _letters(label) <= 20 and bool(_ASIDE_HEADING.search(label))


def _scored_links(anchors: list[tuple[HtmlElement, str]]) -> list[str]:
    """The headlines of the best-scored container (and its same-kind siblings), in page order."""
    links = _candidates(anchors)
    urls_below: dict[HtmlElement, set[str]] = {}
    for link in links:
        if link.score > 0:
            for parent in link.chain:
                urls_below.setdefault(parent, set()).add(link.url)
    # container -> item -> best score of the item's links
    credit: dict[HtmlElement, dict[HtmlElement, float]] = {}
    for link in links:
        score = link.score
        if score > 0 and _has_date(_item_of(link, urls_below), link.anchor):
            score += _DATE_BONUS
        child = link.anchor
        for parent in link.chain:
            items = credit.setdefault(parent, {})
            items[child] = max(items.get(child, score), score)
            child = parent
    raw: dict[HtmlElement, float] = {}
    totals: dict[HtmlElement, float] = {}
    furniture: dict[HtmlElement, bool] = {}
    for container, items in credit.items():
        # An item holding several headlines is a block of lists, not one entry of a list:
        # it earns a share, so a wrapper of blocks does not outscore the lists inside it.
        good = sum(s / max(1, len(urls_below.get(item, ()))) for item, s in items.items() if s > 0)
        if good <= 0:
            continue
        # Links that are no headlines (menus, 更多>>, page numbers) count against a container.
        raw[container] = good - 0.5 * sum(1 for s in items.values() if s <= 0)
        aside = _in_furniture(container, furniture) or _under_aside_heading(container)
        totals[container] = raw[container] * (_DISCOUNT if aside else 1.0)
    if not totals:
        return []
    best = max(totals, key=totals.__getitem__)
    if raw[best] < _MIN_SCORE:  # a page whose only list is a related block still has that list
        return []
    chosen = [best, *_same_kind_siblings(best, totals)]
    return _headlines(links, chosen)


def _headlines(links: list[_Link], containers: list[HtmlElement]) -> list[str]:
    """The best-scored link of each list item (the first on a tie): the headline, not the
    comment count, keyword tags or author that share its item."""
    best: dict[HtmlElement, _Link] = {}
    for link in links:
        if link.score <= 0:
            continue
        for child, parent in zip([link.anchor, *link.chain], link.chain):
            if any(parent is container for container in containers):
                if child not in best or link.score > best[child].score:
                    best[child] = link
                break
    chosen = {id(link) for link in best.values()}
    return [link.url for link in links if id(link) in chosen]


def _signature(element: HtmlElement) -> tuple[str, frozenset[str]]:
    return element.tag, frozenset((element.get("class") or "").split())


def _same_kind_siblings(best: HtmlElement, totals: dict[HtmlElement, float]) -> list[HtmlElement]:
    """Containers beside the best one with its tag and class: one list split into blocks."""
    parent = best.getparent()
    if parent is None:
        return []
    return [sibling for sibling in parent if sibling is not best
            and _signature(sibling) == _signature(best) and totals.get(sibling, 0) > 0]

"""What kind of page this is, before anyone looks for an article in it.

An article page has paragraphs; a listing (a column index, search results, a portal
home page, a forum board) has many dated links and little paragraph text of its own;
an error page or login wall says so in its title and has nothing else. These pages
must not become articles: their navigation would be stored as a body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

from .body import find_body_container
from .dom import clean_text, link_text_length

# A date next to a link: 2024-05-09, 2024/5/9, 2024年5月9日, [05-09], 05-09 12:30, 2024.05.09
_LIST_DATE = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|(?<!\d)\d{1,2}-\d{1,2}(?!\d)|\d{1,2}月\d{1,2}日|"
    r"\d{1,2}:\d{2}")
_ITEM_TAGS = ("li", "tr", "dd", "dt", "p", "div", "span", "td", "h3", "h4")
_ITEM_TEXT_MAX = 220   # an item of a list is a headline, a date and perhaps a short snippet
_HEADLINE_MIN = 6      # link texts shorter than this are menu entries, not headlines
_PARAGRAPH_MIN = 40    # a text block this long outside any list item is article prose
_MIN_DATED = 8         # fewer dated links than this never make a listing
_PROSE_PER_LINK = 20   # a listing has less prose than this many characters per dated link
_ARTICLE_BODY_MIN = 150
_BLOCKS = ("p", "div", "td", "section", "article", "li", "dd", "blockquote", "center", "font", "span")
_INLINE = ("b", "strong", "em", "i", "font", "span", "u", "sup", "sub", "br", "img", "small", "big", "code")
_ERROR_TITLE = re.compile(
    r"\b(?:404|403|410|500|502|503)\b|not found|page not found|forbidden|access denied|server error|"
    r"页面不存在|页面未找到|找不到(?:该|此)?页面|页面已删除|文章不存在|信息不存在|内容不存在|已被删除|出错了|错误提示|"
    r"无法访问|访问出错|系统错误|error", re.I)
_LOGIN_TEXT = re.compile(r"请(?:先)?登录|登录后(?:查看|阅读|可见|继续)|会员专享|付费(?:阅读|订阅)|sign in to|log in to|"
                         r"subscribe to (?:continue|read)|members only|create an account", re.I)
_LOGIN_TITLE = re.compile(r"登录|登陆|注册|sign in|log in|login|subscribe to (?:continue|read)|paywall", re.I)


@dataclass(frozen=True)
class ListingSigns:
    """The counts looks_like_listing decides on (kept for reports and tuning)."""

    dated_links: int      # headline links inside short items that carry a date
    headline_links: int   # links with headline-length text anywhere
    prose_chars: int      # characters of text outside links and outside dated items
    body_chars: int       # text of a known article container (-1 when the page has none)


def dated_item(link: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The short list item around a link that also carries a date (up to three levels up), if any."""
    node = link.getparent()
    for _ in range(3):
        if node is None:
            return None
        if node.tag in _ITEM_TAGS and len(clean_text(node.text_content())) <= _ITEM_TEXT_MAX:
            if _LIST_DATE.search(clean_text(node.text_content())):
                return node
        node = node.getparent()
    return None


def _own_text(block: lxml.html.HtmlElement) -> int:
    """Characters of a block's own running text: its text, inline children and tails, links excluded."""
    pieces = [block.text or ""]
    for child in block:
        if not isinstance(child.tag, str):
            pieces.append(child.tail or "")
            continue
        if child.tag in _INLINE:
            pieces.append(child.text_content())
        pieces.append(child.tail or "")
    return len(clean_text("".join(pieces)))


def listing_signs(root: lxml.html.HtmlElement, container: lxml.html.HtmlElement | None = None,
                  specific: bool = False) -> ListingSigns:
    """Count the dated links, headline links and prose of a (cleaned) page tree."""
    dated = 0
    headlines = 0
    # Elements themselves, not id()s: lxml makes a new proxy object on each access.
    items: set = set()
    for link in root.iter("a"):
        text = clean_text(link.text_content()) or clean_text(link.get("title"))
        if len(text) < _HEADLINE_MIN:
            continue
        headlines += 1
        item = dated_item(link)
        if item is not None:
            dated += 1
            items.add(item)
    prose = 0
    scope = container if container is not None else root
    for block in scope.iter(*_BLOCKS):
        if block in items or any(a in items for a in block.iterancestors()):
            continue
        own = _own_text(block)
        if own >= _PARAGRAPH_MIN:
            prose += own
    body = -1
    if container is not None and specific:
        body = max(len(clean_text(container.text_content())) - link_text_length(container), 0)
    return ListingSigns(dated, headlines, prose, body)


def looks_like_listing(root: lxml.html.HtmlElement, found: tuple | None = None) -> bool:
    """True for a page of many dated links and little prose of its own: a listing, not an article.

    `root` should be the page with scripts and hidden parts removed. A page whose known
    article container (.TRS_Editor, #endText ...) holds text is an article, however many
    dated "related" links surround it. Search results count as listings: their snippets
    sit inside the dated items, so they are not prose.
    """
    # `found`: the page's (container, specific) when the caller already looked (it costs ~10 ms).
    container, specific = found if found is not None else find_body_container(root)
    signs = listing_signs(root, container, specific)
    if signs.body_chars >= _ARTICLE_BODY_MIN:
        return False
    return signs.dated_links >= _MIN_DATED and signs.prose_chars < _PROSE_PER_LINK * signs.dated_links


def has_password_field(root: lxml.html.HtmlElement) -> bool:
    """True when the page asks for a password (read before forms are cleaned away)."""
    return any((field.get("type") or "").lower() == "password" for field in root.iter("input"))


def refusal(root: lxml.html.HtmlElement, title: str, status: int, body_text: str,
            password_field: bool) -> str | None:
    """Why this page is no article (an error page, a login wall), or None.

    Only a page with little body text is refused: an article may well mention "404" or "登录".
    """
    if status >= 400:
        return f"an error page (HTTP {status})"
    body_chars = len(body_text)
    if body_chars >= 200:
        return None
    heading = " ".join(clean_text(h.text_content()) for h in root.iter("h1", "h2"))[:300]
    if _ERROR_TITLE.search(title) or _ERROR_TITLE.search(heading):
        return "an error page"
    # A password box alone is the site's login widget; a wall also says so, or leaves no text.
    if (password_field or _LOGIN_TITLE.search(title)) and (body_chars < 50 or _LOGIN_TEXT.search(body_text)):
        return "a login wall"
    return None

"""Turn the body container into the article's HTML: only the article, nothing around it.

Removed: share buttons, related links, comment boxes, pagers, the site's copyright
and disclaimer lines, the byline line itself, a repeated headline, editor lines and the
原文链接 line. What those lines say (a reporter credit, the editor, the original URL,
a byline written inside the body) is kept in a Byline for the caller. The HTML is
otherwise left raw: normalize sanitizes it last and makes its URLs absolute.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime

import lxml.html

from ..dates import find_date
from .byline import Byline, credit_author, is_editor_line, original_link_in, parse_byline, read_labels
from .dom import clean_text, link_text_length
from .kind import dated_item

_JUNK_NAME = re.compile(
    r"share|social|bdshare|jiathis|related|relate|recommend|comment|footer|copyright|breadcrumb|crumb|"
    r"qrcode|ewm|advert|\bads?\b|\bad[-_]|toolbar|print|font-?size|setfont|\beditor\b|liability|pagination|"
    r"pager|page-?nav|next-?page|prevnext|\bvote|jiucuo|correct|\btags?\b|keyword|byline|article[-_]*info|"
    r"\bcredit|control-?bar|more-?caption|caption-truncated|toggle|artsource|article-?source|"
    r"\binfo\b|meta-?bar|audio|player|sidebar|\bnav\b|subscribe|newsletter|promo|popup|modal|login|"
    r"reward|zan\b|dianzan|report-?error|hot-?news|\brank|more-?news",
    re.I,
)
# Names that mark the body itself, whatever else the class says ("TRS_Editor" is not an editor box).
_BODY_NAME = re.compile(r"trs_editor|article-?body|article-?content|main-?text|^content$|post-?content|"
                        r"entry-?content|detail-?content|u-mainText", re.I)
_JUNK_TAGS = ("nav", "aside", "footer", "header", "form")
_JUNK_TEXT = re.compile(
    r"版权所有|版权声明|未经.{0,8}授权|转载请注明|转载须|免责声明|本文来源于网络|如涉及作品内容|本网站所刊登|"
    r"分享到|扫一扫|扫描二维码|【纠错】|打印本页|关闭窗口|上一篇|下一篇|字号[:：]|返回顶部|"
    r"copyright|all rights reserved|^©|"
    r"^(?:当前位置|现在位置|您的位置|您当前的位置|您现在的位置|当前所在|所在位置|位置)\s*[:：]", re.I)
# A site footer that trafilatura sometimes keeps: registration numbers and the like.
_FOOTER_TEXT = re.compile(r"ICP备|公网安备|网站标识码|主办单位\s*[:：]|承办单位\s*[:：]|技术支持\s*[:：]|版权所有")
_MENU_BAR = re.compile(r"[|｜]")


def _is_menu_row(text: str) -> bool:
    """A row of menu entries: "首页 | 简 | 繁 | EN | 登录 个人中心 退出 | 邮箱"."""
    parts = [p.strip() for p in _MENU_BAR.split(text)]
    return len(parts) >= 4 and sum(len(p) <= 12 for p in parts) >= 0.75 * len(parts)
# Site account widgets that trafilatura sometimes keeps ("登录超时，稍后再试 免注册 快速登录").
_ACCOUNT_TEXT = re.compile(r"登录|注册|sign in|log in|sign up", re.I)
_RELATED_HEAD = re.compile(r"^(?:相关阅读|相关新闻|延伸阅读|推荐阅读|相关链接|相关文章|相关报道|热点推荐|"
                           r"更多精彩|related|read more|more from|recommended)", re.I)
_LEAF_TAGS = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "section", "center", "blockquote",
              "span", "strong", "font")
_BLOCK_CHILDREN = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "section",
                   "blockquote", "center", "br")
_LAZY_SRC = ("data-src", "data-original", "data-lazy-src", "data-url", "data-actualsrc", "original")
# Only an absolute date ("2019 09/07 19:02") makes a short first line a byline; "今天清晨..." is prose.
_YEAR_FIRST = re.compile(r"(?:19|20)\d{2}")
_BYLINE_FIELDS = {"date", "author", "origin", "updated"}
_HEAD_LINES = 5  # a byline or credit is searched for among the first lines of the body ...
_TAIL_LINES = 5  # ... and editor, credit and 原文链接 lines among the last ones.


@dataclass
class CleanBody:
    """The cleaned body HTML, its visible text, and what its own lines said about the article."""

    html: str
    text: str
    byline: Byline = field(default_factory=Byline)


def _is_junk_name(element: lxml.html.HtmlElement) -> bool:
    names = f"{element.get('class', '')} {element.get('id', '')}".strip()
    return bool(names) and bool(_JUNK_NAME.search(names)) and not _BODY_NAME.search(names)


def _drop(element: lxml.html.HtmlElement) -> None:
    if element.getparent() is not None:
        element.drop_tree()


def _is_wrapper(element: lxml.html.HtmlElement, body_chars: int) -> bool:
    """A layout wrapper with a junk-sounding name ("content-with-sidebar") that holds the article."""
    text = len(clean_text(element.text_content()))
    return text > 0.4 * body_chars and link_text_length(element) < 0.3 * text


def _dated_share(element: lxml.html.HtmlElement, text: int) -> float:
    """The share of a block's text in dated link items ("标题 2019-09-05 16:41"): a news list."""
    items = {dated_item(a) for a in element.iter("a") if len(clean_text(a.text_content())) >= 6} - {None}
    if len(items) < 3:
        return 0.0
    return sum(len(clean_text(item.text_content())) for item in items) / text


def _drop_junk_elements(body: lxml.html.HtmlElement, byline: Byline, tz: str, now: datetime | None) -> None:
    body_chars = len(clean_text(body.text_content()))
    for element in list(body.iter()):
        if element is body or not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if (element.tag in _JUNK_TAGS or _is_junk_name(element)) and not _is_wrapper(element, body_chars):
            text = clean_text(element.text_content())
            if len(text) <= 120:
                # An info or editor box inside the body ("【责任编辑：刘峻凌】") still tells us something.
                byline.merge(parse_byline(text, tz, now))
            _drop(element)
            continue
        if element.tag in ("ul", "ol", "table", "div", "dl"):
            text = len(clean_text(element.text_content()))
            links = link_text_length(element)
            # A block of links (related articles, a column index) is navigation, not body.
            if len(element.findall(".//a")) >= 3 and text and (links / text > 0.6 or _dated_share(element, text) > 0.6):
                _drop(element)


def _leaves(body: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Text blocks with no block inside them, in order: the body's lines."""
    leaves = []
    for element in body.iter(*_LEAF_TAGS):
        if any(child.tag in _BLOCK_CHILDREN for child in element.iterdescendants() if isinstance(child.tag, str)):
            continue
        if element.tag in ("span", "strong", "font") and element.getparent() is not None \
                and element.getparent().tag in _LEAF_TAGS and element.getparent() is not body:
            continue  # an inline element inside a line is part of that line
        if clean_text(element.text_content()):
            leaves.append(element)
    return leaves


def _fix_images(body: lxml.html.HtmlElement) -> None:
    """Lazy-loaded images keep their real address in data-src and friends."""
    for img in body.iter("img"):
        src = (img.get("src") or "").strip()
        if not src or src.startswith("data:") or "blank" in src or "placeholder" in src:
            for name in _LAZY_SRC:
                if img.get(name):
                    img.set("src", img.get(name).strip())
                    break


def _read_head(body, leaves, title: str | None, byline: Byline, tz: str, now: datetime | None) -> None:
    lead = clean_text(body.text)
    dated = find_date(lead, tz, now=now) if lead and len(lead) <= 60 else None
    if lead and len(lead) <= 150 and (set(read_labels(lead)) & _BYLINE_FIELDS
                                      or (dated is not None and _YEAR_FIRST.match(dated.raw))):
        # A byline as loose text before the first paragraph ("最后更新: 2019-09-07 15:14:21<p>...")
        byline.merge(parse_byline(lead, tz, now))
        body.text = None
    for leaf in leaves[:_HEAD_LINES]:
        text = clean_text(leaf.text_content())
        if title and len(text) >= 4 and (text == title or (len(text) <= len(title) and text in title)):
            _drop(leaf)  # the headline (or one of its lines) repeated at the top of the body
            continue
        if len(text) <= 150 and set(read_labels(text)) & _BYLINE_FIELDS:
            byline.merge(parse_byline(text, tz, now))
            _drop(leaf)
            continue
        name = credit_author(text)
        if name:
            byline.merge(Byline(author=name))
            _drop(leaf)
            continue
        found = find_date(text, tz, now=now) if len(text) <= 60 else None
        if found is not None and _YEAR_FIRST.match(found.raw) and text.find(found.raw) <= 10 \
                and len(text) - len(found.raw) <= 30:
            # "2019 09/07 19:02 扬眼 企鹅号": a byline written as the body's first line
            byline.merge(parse_byline(text, tz, now))
            _drop(leaf)


def _read_tail(leaves, byline: Byline, tz: str, now: datetime | None) -> None:
    for leaf in leaves[-_TAIL_LINES:]:
        if leaf.getparent() is None:
            continue
        text = clean_text(leaf.text_content())
        url = original_link_in(text)
        if url:
            byline.merge(Byline(original_url=url))
            _drop(leaf)
        elif is_editor_line(text):
            byline.merge(parse_byline(text, tz, now))
            _drop(leaf)
        elif credit_author(text):
            # "中青报·中青网记者 魏其濛 来源：中国青年报" closing the body
            found = parse_byline(text, tz, now)
            byline.merge(Byline(author=credit_author(text), origin=found.origin))
            _drop(leaf)


def _drop_junk_lines(body: lxml.html.HtmlElement) -> None:
    for leaf in _leaves(body):
        if leaf.getparent() is None:
            continue
        text = clean_text(leaf.text_content())
        if _RELATED_HEAD.match(text) and len(text) <= 20:
            # A "相关阅读" heading and the links after it, up to the next real paragraph
            # (sina puts its related links above the article, others below).
            for sibling in list(leaf.itersiblings()):
                if not isinstance(sibling.tag, str):
                    continue
                sibling_text = clean_text(sibling.text_content())
                if len(sibling_text) > 30 and link_text_length(sibling) < len(sibling_text) / 2:
                    break
                _drop(sibling)
            _drop(leaf)
        elif (len(text) <= 120 and (_JUNK_TEXT.search(text) or _is_menu_row(text))) \
                or (len(text) <= 300 and _FOOTER_TEXT.search(text)) \
                or (len(text) <= 30 and _ACCOUNT_TEXT.search(text)):
            _drop(leaf)


def inner_html(element: lxml.html.HtmlElement) -> str:
    """The element's content as HTML, without the element's own tag."""
    parts = [_escape(element.text or "")]
    parts += [lxml.html.tostring(child, encoding="unicode", with_tail=True) for child in element]
    return "".join(parts).strip()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clean_body(container: lxml.html.HtmlElement, *, title: str | None, tz: str,
               now: datetime | None = None, exclude: list | None = None) -> CleanBody:
    """A cleaned copy of the body container (the page tree is left as it was).

    `exclude` are elements of the page (the headline) to leave out when the container holds them.
    """
    marks = []
    for element in exclude or []:
        if element is not None and (element is container or container in element.iterancestors()):
            element.set("data-page-exclude", "1")
            marks.append(element)
    body = copy.deepcopy(container)
    for element in marks:
        del element.attrib["data-page-exclude"]
    for element in body.xpath('.//*[@data-page-exclude="1"]'):
        _drop(element)
    byline = Byline()
    _drop_junk_elements(body, byline, tz, now)
    leaves = _leaves(body)
    _read_head(body, leaves, title, byline, tz, now)
    _read_tail(_leaves(body), byline, tz, now)
    _drop_junk_lines(body)
    _fix_images(body)
    return CleanBody(inner_html(body), clean_text(body.text_content()), byline)


def clean_fragment(fragment_html: str, *, title: str | None, tz: str, now: datetime | None = None) -> CleanBody:
    """clean_body for an HTML fragment (the general extractor's output)."""
    wrapper = lxml.html.fragment_fromstring(fragment_html, create_parent="div")
    return clean_body(wrapper, title=title, tz=tz, now=now)

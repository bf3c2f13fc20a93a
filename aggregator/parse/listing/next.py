"""The next page of a listing: a 下一页 link, TRS createPageHTML(...), or index_N.html numbering."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlsplit

from lxml.html import HtmlElement

from .urls import resolve, same_site

_NEXT_WORD = re.compile(r"^(?:下一?页|下一頁|后一?页|next(?:\s*page)?)\s*[>›»]*$", re.I)
_NEXT_SYMBOL = re.compile(r"^[>›»]$")
_NEXT_CLASS = re.compile(r"(?:^|[\s_-])(?:next|nextpage|next-page|page-next|xyy)(?:$|[\s_-])", re.I)
_CAROUSEL = re.compile(r"swiper|slick|carousel|slide|focus|banner", re.I)
# TRS CMS writes its pager from a script: createPageHTML(count, current, "index", "html"),
# newer templates prefix a div id and append a record count. Page 0 is index.html, page N index_N.html.
_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^()]*)\)")
_JS_VALUE = r"(?:var|let|const)?\s*\b{name}\s*=\s*[\"']?(\d+)"
# index.html, index_2.shtml, list_3.htm: the page numbering most CMSs put in the file name.
_NUMBERED = re.compile(r"^(?P<stem>[A-Za-z]+)(?:_(?P<n>\d+))?\.(?P<ext>s?html?)$")
_PAGE_PARAM = re.compile(r"^(?:page|pageno|pagenum|pageindex|pn|p|curpage|currentpage)$", re.I)


def find_next_page(root: HtmlElement, text: str, page_url: str,
                   anchors: list[tuple[HtmlElement, str]]) -> str | None:
    """The URL of the next page of the list, or None when the page shows no next page.

    `anchors` are the page's <a> elements with their absolute URLs; `text` is the decoded
    page, scripts included, for the pagers that CMS templates write from JavaScript.
    """
    page = resolve(page_url, page_url)
    usable = [(a, url) for a, url in anchors if url != page and same_site(url, page_url)]
    return (_by_rel(root, usable, page_url) or _by_label(usable)
            or _by_create_page_html(text, page_url) or _by_numbering(usable, page_url))


def _by_rel(root: HtmlElement, anchors: list[tuple[HtmlElement, str]], page_url: str) -> str | None:
    for link in root.iter("link"):
        if "next" in (link.get("rel") or "").lower().split():
            url = resolve(page_url, link.get("href"))
            if url and url != resolve(page_url, page_url) and same_site(url, page_url):
                return url
    return next((url for a, url in anchors if "next" in (a.get("rel") or "").lower().split()), None)


def _by_label(anchors: list[tuple[HtmlElement, str]]) -> str | None:
    """A link labelled 下一页 / next; else an icon link classed next; else a bare > in a pager."""
    labelled = [(anchor, url, " ".join(anchor.text_content().split()) or (anchor.get("title") or "").strip())
                for anchor, url in anchors]
    for anchor, url, label in labelled:
        if _NEXT_WORD.match(label):
            return url
    for anchor, url, label in labelled:
        parent = anchor.getparent()
        classes = " ".join(filter(None, (anchor.get("class"), anchor.get("id"),
                                         parent.get("class") if parent is not None else None)))
        # ccdi: <a class="next-page">&nbsp;</a>; not 下一篇 (the next article) nor a carousel arrow.
        if len(label) <= 2 and _NEXT_CLASS.search(classes) and not _CAROUSEL.search(classes):
            return url
    for anchor, url, label in labelled:
        # A bare ">" is also how blocks link their column ("工作动态 >"): only beside page numbers.
        if _NEXT_SYMBOL.match(label) and _in_pager(anchor):
            return url
    return None


def _in_pager(anchor: HtmlElement) -> bool:
    """True when the link's parent also holds numbered page links (1 2 3 ...)."""
    parent = anchor.getparent()
    return parent is not None and any(
        other is not anchor and other.text_content().strip().isdigit() for other in parent.iter("a"))


def _js_int(token: str, text: str) -> int | None:
    """A number argument, or a variable the page assigns a number to (var countPage = 10)."""
    token = token.strip()
    if token.isdigit():
        return int(token)
    if re.fullmatch(r"[A-Za-z_$][\w$]*", token):
        match = re.search(_JS_VALUE.format(name=re.escape(token)), text)
        if match:
            return int(match.group(1))
    return None


def _by_create_page_html(text: str, page_url: str) -> str | None:
    for call in _CREATE_PAGE.finditer(text):
        args = [a.strip() for a in call.group(1).split(",")]
        for i in range(len(args) - 3):
            count, current = _js_int(args[i], text), _js_int(args[i + 1], text)
            prefix, ext = (a.strip("\"'") for a in args[i + 2:i + 4])
            quoted = all(a[:1] in "\"'" for a in args[i + 2:i + 4])
            if count is None or current is None or not quoted or not prefix or not ext:
                continue
            if current + 1 >= count:
                return None  # the last page
            url = resolve(page_url, f"{prefix}_{current + 1}.{ext}")
            return url if url != resolve(page_url, page_url) else None
    return None


def _file_page(name: str, folder: str, there: SplitResult) -> tuple[int, int] | None:
    """(link's page number, this page's number) when both are numbered files of one column."""
    mine = _NUMBERED.match(name or "index.html")
    t_folder, _, t_name = there.path.rpartition("/")
    found = _NUMBERED.match(t_name)
    if not (mine and found and found["n"] and t_folder == folder and found["stem"] == mine["stem"]):
        return None
    if name and found["ext"] != mine["ext"]:
        return None  # a folder URL (/col/) says nothing about the extension its pages use
    return int(found["n"]), int(mine["n"] or 0)


def _query_page(here: SplitResult, there: SplitResult) -> tuple[int, int] | None:
    """(link's page number, this page's number) for ?page=N style links to this same path."""
    if there.path != here.path:
        return None
    mine, theirs = dict(parse_qsl(here.query)), dict(parse_qsl(there.query))
    key = next((k for k in theirs if _PAGE_PARAM.match(k) and theirs[k].isdigit()), None)
    if key is None:
        return None
    # Without the parameter this is the first page; numbering from 1 is the common case.
    current = mine.get(key, "1")
    return int(theirs[key]), int(current) if current.isdigit() else 1


def _by_numbering(anchors: list[tuple[HtmlElement, str]], page_url: str) -> str | None:
    """The lowest-numbered sibling page after this one: index_1.html after index.html, ?page=3 after 2."""
    here = urlsplit(page_url)
    folder, _, name = here.path.rpartition("/")
    best: tuple[int, str] | None = None
    for _, url in anchors:
        there = urlsplit(url)
        if there.netloc != here.netloc:
            continue
        pair = _file_page(name, folder, there) or _query_page(here, there)
        if pair and pair[0] > pair[1] and (best is None or pair[0] < best[0]):
            best = (pair[0], url)
    return best[1] if best else None

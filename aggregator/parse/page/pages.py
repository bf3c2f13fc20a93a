"""The continuation pages of a split article: t20241103_51919.html goes on in t20241103_51919_1.html,
_2.html ... (TRS writes the pager with createPageHTML(count, current, "t20241103_51919", "html")),
article.html?page=2, or a 下一页 link under the article's own path.

Only links that continue *this* article count: a sibling file named after the first page, the
same path with a page parameter, or a 下一页 link whose path starts with the article's own. 下一篇
(the next article) and the column's pager never match.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from lxml.html import HtmlElement

from ...model import FetchResult
from ..encoding import decode
from ..listing.next import _CREATE_PAGE, _NEXT_WORD, _js_int
from ..listing.urls import resolve
from .dom import load_html

MAX_PAGES = 20  # pages of one article, the first included
_PAGE_PARAM = re.compile(r"^(?:page|pageno|pagenum|pageindex|pn|p|curpage|currentpage)$", re.I)


def _split_name(url: str) -> tuple[str, str, str] | None:
    """(folder, stem, extension) of a page URL: /c/202411/t20241103_51919.html -> (/c/202411, t20241103_51919, html)."""
    path = urlsplit(url).path
    folder, _, name = path.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext.isalpha():
        return None
    return folder, stem, ext


def page_number(url: str, first_url: str) -> int | None:
    """Which page of the article at `first_url` the URL is (2 for the second), or None when it is not one.

    TRS numbers the second page _1; ?page=N numbers the second 2: both come out as page 2."""
    here, there = urlsplit(first_url), urlsplit(url)
    if here.netloc.lower() != there.netloc.lower():
        return None
    if there.path == here.path:
        if there.query == here.query:
            return 1
        mine, theirs = dict(parse_qsl(here.query)), dict(parse_qsl(there.query))
        key = next((k for k in theirs if _PAGE_PARAM.match(k) and theirs[k].isdigit() and k not in mine), None)
        if key is None or {k: v for k, v in theirs.items() if k != key} != mine:
            return None
        return int(theirs[key]) if int(theirs[key]) >= 2 else None
    first, other = _split_name(first_url), _split_name(url)
    if not first or not other or first[0] != other[0] or first[2] != other[2]:
        return None
    match = re.fullmatch(re.escape(first[1]) + r"[_-](\d{1,3})", other[1])
    return int(match.group(1)) + 1 if match else None


def _create_page_html(text: str, page_url: str, first_url: str) -> list[str]:
    """Every page a TRS pager script names: prefix_1.ext ... prefix_{count-1}.ext."""
    found = []
    for call in _CREATE_PAGE.finditer(text):
        args = [a.strip() for a in call.group(1).split(",")]
        for i in range(len(args) - 3):
            count = _js_int(args[i], text)
            prefix, ext = (a.strip("\"'") for a in args[i + 2:i + 4])
            if count is None or not prefix or not ext or not all(a[:1] in "\"'" for a in args[i + 2:i + 4]):
                continue
            for n in range(1, min(count, MAX_PAGES)):
                url = resolve(page_url, f"{prefix}_{n}.{ext}")
                if url and page_number(url, first_url):
                    found.append(url)
            break
    return found


def continuation_links(root: HtmlElement, text: str, page_url: str, first_url: str) -> list[str]:
    """The later pages of the article that `first_url` begins, as this page (`page_url`, possibly a
    later page itself) links them, in page order; the first page and this page excluded."""
    candidates = _create_page_html(text, page_url, first_url) if "createPageHTML" in text else []
    first_path = urlsplit(first_url).path.rsplit(".", 1)[0]
    first_name = _split_name(first_url)
    stem = first_name[1] if first_name else first_path.rsplit("/", 1)[-1]
    for anchor in root.iter("a"):
        href = anchor.get("href") or ""
        # Most anchors of a page are navigation: only a link naming the article's own file or a
        # page parameter, or labelled 下一页, is worth resolving (resolving all cost ~8 ms a page).
        lowered = href.lower()
        if not (stem and (f"{stem}_" in href or f"{stem}-" in href)) and "page" not in lowered \
                and "p=" not in lowered and not _NEXT_WORD.match(" ".join(anchor.text_content().split())):
            continue
        url = resolve(page_url, href)
        if not url:
            continue
        if page_number(url, first_url):
            candidates.append(url)
        elif _NEXT_WORD.match(" ".join(anchor.text_content().split())):
            there = urlsplit(url)
            # 下一页 under the article's own path (/a/123.html -> /a/123/2.html); never 下一篇.
            if there.netloc == urlsplit(first_url).netloc and there.path.startswith(first_path + "/"):
                candidates.append(url)
    order = {}
    for url in candidates:
        if url in (first_url, page_url) or url in order:
            continue
        order[url] = page_number(url, first_url) or 10_000 + len(order)
    return sorted(order, key=lambda u: order[u])[:MAX_PAGES - 1]


def page_continuations(result: FetchResult, first_url: str, encoding: str | None = None) -> list[str]:
    """The continuation links a fetched page shows (for a later page, whose body may be too short
    to pass as an article on its own)."""
    decoded = decode(result.body or b"", result.headers.get("content-type"), encoding)
    root = load_html(decoded.text)
    return [] if root is None else continuation_links(root, decoded.text, result.final_url, first_url)

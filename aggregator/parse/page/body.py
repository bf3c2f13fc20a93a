"""Where the article body is: a per-source selector, a known CMS container, or trafilatura.

Chinese CMSs put the body in containers with well-known names (TRS's .TRS_Editor,
Hanweb's #UCAP-CONTENT, #zoom, xinhua's #detail ...). When one of them holds the
page's paragraphs it is taken as is; when none does, trafilatura (a general
extractor) finds the body. trafilatura's date and author are never used: general
extractors invent a date where a page states none.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from .dom import clean_text, link_text_length

# Containers CMSs name for the body only: taken whenever they hold text or images.
_SPECIFIC = (
    ".TRS_Editor", "#UCAP-CONTENT", "#zoom", "#detailContent", "#detail", ".u-mainText", ".artDet",
    ".rm_txt_con", "#rwb_zw", "#artibody", "#article_content", ".article_content", ".article-content",
    "#endText", ".post_text", ".post_body", ".wenzhang-content", "#font_area", ".pages_content", "#js_content",
    ".rich_media_content", "[itemprop=articleBody]", ".article-body", ".articleBody", "#ctrlfscont",
    "#contentText", ".content-text", ".news_txt", ".newsCon", "#news_content", ".TRS_UEDITOR", ".Custom_UnionStyle",
    ".entry-content", ".post-content", "#text", ".main-text", ".detail-content", ".detail_content", "#mainText",
    ".article_body", "#article-body", ".text_con", ".con_txt", ".txt_con", "#con_txt", ".view_con",
)
# Containers whose names also serve page layouts: taken only when they are mostly text.
_GENERIC = ("article", "#content", ".content", ".article", "#article", ".detail", "#main-content", "main",
            ".main_content", ".text", ".body", ".con", "#Content", ".contents")


def _key(selector: str) -> tuple[str, str]:
    """("class" | "id" | "tag" | "attr", value) of the simple selectors above."""
    if selector.startswith("."):
        return "class", selector[1:]
    if selector.startswith("#"):
        return "id", selector[1:]
    if selector.startswith("["):
        name, _, value = selector.strip("[]").partition("=")
        return "attr", f"{name}={value}"
    return "tag", selector


_SPECIFIC_KEYS = [_key(s) for s in _SPECIFIC]
_GENERIC_KEYS = [_key(s) for s in _GENERIC]


def _index(root: lxml.html.HtmlElement) -> dict[tuple[str, str], list]:
    """Every element under a class, id, tag or itemprop the selectors name, in page order: one walk
    of the tree instead of one per selector (40 walks cost ~10 ms on a portal page)."""
    wanted = set(_SPECIFIC_KEYS) | set(_GENERIC_KEYS)
    found: dict[tuple[str, str], list] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        keys = [("tag", element.tag)]
        element_id = element.get("id")
        if element_id:
            keys.append(("id", element_id))
        classes = element.get("class")
        if classes:
            keys.extend(("class", c) for c in classes.split())
        prop = element.get("itemprop")
        if prop:
            keys.append(("attr", f"itemprop={prop}"))
        for key in keys:
            if key in wanted:
                bucket = found.setdefault(key, [])
                if not bucket or bucket[-1] is not element:
                    bucket.append(element)
    return found
# Least text a container needs to count as the body (an image-only body needs an <img>).
_MIN_TEXT = 40
_MAX_LINK_SHARE = 0.5
# A descendant holding this share of a container's text is the tighter, cleaner body.
_TIGHTEN_SHARE = 0.85
# A generic container is taken over trafilatura's body when it covers this share of it ...
_AGREE_COVER = 0.8
# ... and is at most this much longer (a longer one carries navigation or related links).
_AGREE_SIZE = 1.3
_SUBSET_COVER = 0.9
_SUBSET_SIZE = 0.6


def _own_text(element: lxml.html.HtmlElement) -> tuple[int, int]:
    """(characters of text outside links, characters inside links)."""
    total = len(clean_text(element.text_content()))
    links = link_text_length(element)
    return max(total - links, 0), links


def _qualifies(element: lxml.html.HtmlElement, specific: bool) -> int:
    """The container's text size when it can be the body, else -1."""
    text, links = _own_text(element)
    if text + links and links / (text + links) > _MAX_LINK_SHARE:
        return -1
    if text >= _MIN_TEXT:
        return text
    if specific and element.find(".//img") is not None:
        return max(text, 1)  # image-only bodies (a scanned notice) are still articles
    return -1


def _tighten(element: lxml.html.HtmlElement, size: int, candidates: list) -> lxml.html.HtmlElement:
    """The innermost candidate inside `element` that still holds nearly all of its text."""
    for other, other_size in candidates:
        if other is not element and other_size >= _TIGHTEN_SHARE * size and element in other.iterancestors():
            return _tighten(other, other_size, candidates)
    return element


def find_body_container(root: lxml.html.HtmlElement) -> tuple[lxml.html.HtmlElement | None, bool]:
    """The best known container and whether its name is specific to article bodies."""
    index = _index(root)
    for keys, specific in ((_SPECIFIC_KEYS, True), (_GENERIC_KEYS, False)):
        candidates = []
        for key in keys:
            for element in index.get(key, ()):
                size = _qualifies(element, specific)
                if size >= 0:
                    candidates.append((element, size))
        if candidates:
            # Largest first; on a tie the earlier one in the page (a duplicated body is copy two).
            largest = max(size for _, size in candidates)
            element, size = next((e, s) for e, s in candidates if s >= largest)
            return _tighten(element, size, candidates), specific
    return None, False


def _grams(text: str) -> set[str]:
    text = "".join(text.split())
    return {text[i:i + 4] for i in range(max(len(text) - 3, 0))}


def agrees(container_text: str, general_text: str) -> bool:
    """True when a generic container holds what trafilatura found and not much more.

    Then the container is the body (and our cleaning of it keeps the credit lines and
    formatting); otherwise the generic name was a layout wrapper and trafilatura knows better.
    """
    ours, theirs = _grams(container_text), _grams(general_text)
    if not ours or not theirs:
        return False
    common = len(ours & theirs)
    if common / len(theirs) >= _AGREE_COVER and len(container_text) <= _AGREE_SIZE * len(general_text):
        return True  # the same body, perhaps with a caption or credit line more
    # Or the container is a cleaner part of what trafilatura took (it kept a "hot news" list too).
    return common / len(ours) >= _SUBSET_COVER and len(container_text) >= _SUBSET_SIZE * len(general_text)


def general_body(text: str, url: str | None) -> str | None:
    """The body as HTML by trafilatura (images and tables kept), or None when it finds none."""
    import trafilatura  # imported here: it costs ~0.3 s and most Chinese CMS pages never need it

    try:
        extracted = trafilatura.extract(
            text, url=url, output_format="html", include_comments=False, include_tables=True,
            include_images=True, include_links=True, with_metadata=False, deduplicate=False,
            favor_precision=False,
        )
    except Exception:  # noqa: BLE001 - a third-party heuristic failing on odd markup means "no body from it"
        return None
    if not extracted:
        return None
    try:
        fragment = lxml.html.fromstring(extracted)
    except (etree.ParserError, ValueError):
        return extracted
    body = fragment.find(".//body") if fragment.tag != "body" else fragment
    node = body if body is not None else fragment
    # trafilatura wraps everything in <html><body>; keep the children only.
    inner = (node.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in node)
    return inner.strip() or None


_SHORT_TAGS = {"div", "p", "td", "section", "article", "blockquote", "span", "font"}


def short_body(root: lxml.html.HtmlElement, after: lxml.html.HtmlElement | None, is_byline,
               minimum: int = 20) -> lxml.html.HtmlElement | None:
    """For a short article (a forum post, a notice of a few sentences) that no container or
    general extractor takes: the first text block after the headline that is mostly not links
    and is not the byline. None when there is no headline to start from."""
    if after is None:
        return None
    started = False
    for element in root.iter():
        if element is after:
            started = True
            continue
        if not started or not isinstance(element.tag, str) or element.tag not in _SHORT_TAGS:
            continue
        if after in element.iterancestors() or element in after.iterancestors():
            continue
        text, links = _own_text(element)
        if text < minimum or (text + links and links / (text + links) > _MAX_LINK_SHARE):
            continue
        if is_byline(clean_text(element.text_content())):
            continue
        # The innermost block holding this text: not a wrapper around the rest of the page.
        inner = [c for c in element if isinstance(c.tag, str) and _own_text(c)[0] >= 0.85 * text]
        return inner[0] if inner and inner[0].tag in _SHORT_TAGS else element
    return None

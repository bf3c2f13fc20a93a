"""What a page says about itself in markup: <meta> tags, Open Graph, JSON-LD, CMS comments.

Chinese government CMSs (TRS, Hanweb, ...) write <meta name="ArticleTitle">, "PubDate",
"ContentSource", "Author"; people.com.cn and xinhua write "publishdate" and "source";
founder's enp CMS leaves <!--enpproperty <date>...</date><author>...</author>--> in the body.
English sites carry Open Graph and JSON-LD NewsArticle. All of it is read here, before
the tree is cleaned (the cleaning drops scripts and comments), and judged later: a meta
author is often the editor, a numeric id or the site's own name.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from .dom import clean_text

_ARTICLE_TYPES = {"article", "newsarticle", "reportagenews", "blogposting", "analysisnewsarticle",
                  "opinionnewsarticle", "backgroundnewsarticle", "webpage", "report", "liveblogposting"}
_ENP = re.compile(r"enpproperty(.*?)/enpproperty", re.S)
_ENP_FIELD = re.compile(r"<(\w+)>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]*>")
_SOURCE_LABEL = re.compile(r"^\s*(?:来源|信息来源|文章来源)\s*[:：]\s*")

# Meta names, lower case, for each field, best first.
_TITLE_NAMES = ("articletitle", "og:title", "twitter:title", "title", "headline")
_DATE_NAMES = ("pubdate", "article:published_time", "publishdate", "publish_date", "published_time",
               "og:published_time", "datepublished", "dc.date.issued", "dc.date", "dcterms.created",
               "date", "sailthru.date", "parsely-pub-date", "firstpublishedtime", "publishtime")
_AUTHOR_NAMES = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author")
_ORIGIN_NAMES = ("contentsource", "source", "og:article:source", "sourcename")
_SITE_NAMES = ("sitename", "og:site_name", "application-name", "apple-mobile-web-app-title")
_EDITOR_NAMES = ("editorname", "editor")


@dataclass
class PageMeta:
    """Facts the page's markup states, each list best first; nothing judged yet."""

    titles: list[str] = field(default_factory=list)
    html_title: str = ""
    dates: list[str] = field(default_factory=list)  # raw strings, as written
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    site_names: list[str] = field(default_factory=list)
    publisher: str | None = None
    canonical: str | None = None


def _add(values: list[str], value: str | None) -> None:
    text = clean_text(value)
    if text and text not in values:
        values.append(text)


def _meta_map(root: lxml.html.HtmlElement) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        key = meta.get("name") or meta.get("property") or meta.get("itemprop")
        content = meta.get("content")
        if key and content is not None:
            found.setdefault(key.strip().lower(), []).append(content)
    return found


def _names(value) -> list[str]:
    """Person or organisation names from a JSON-LD author/publisher value of any shape."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _json_ld_objects(root: lxml.html.HtmlElement) -> list[dict]:
    objects: list[dict] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text, strict=False)
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; it is only evidence
        stack = [data]
        while stack and len(objects) < 50:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                objects.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
    return objects


def _is_article(obj: dict) -> bool:
    kinds = obj.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(kind, str) and kind.lower() in _ARTICLE_TYPES for kind in kinds)


def _read_json_ld(root: lxml.html.HtmlElement, meta: PageMeta) -> None:
    for obj in _json_ld_objects(root):
        if not _is_article(obj):
            continue
        headline = obj.get("headline") or obj.get("name")
        if isinstance(headline, str):
            _add(meta.titles, html.unescape(headline))
        if isinstance(obj.get("datePublished"), str):
            _add(meta.dates, obj["datePublished"])
        for name in _names(obj.get("author")):
            _add(meta.authors, name)
        publishers = _names(obj.get("publisher"))
        if publishers and meta.publisher is None:
            meta.publisher = clean_text(publishers[0]) or None


def _read_enp(root: lxml.html.HtmlElement, meta: PageMeta) -> None:
    """founder enp CMS pages carry clean fields in an <!--enpproperty ...--> comment."""
    for comment in root.iter(etree.Comment):
        match = _ENP.search(comment.text or "")
        if not match:
            continue
        fields = {key.lower(): clean_text(value) for key, value in _ENP_FIELD.findall(match.group(1))}
        _add(meta.titles, fields.get("title"))
        _add(meta.dates, fields.get("date"))
        _add(meta.authors, fields.get("author"))
        return


def _read_time_elements(root: lxml.html.HtmlElement, meta: PageMeta) -> None:
    """The first <time datetime> or itemprop=datePublished: weaker than a meta tag."""
    for element in root.iter("time"):
        if element.get("datetime") and (element.get("itemprop") in (None, "datePublished")):
            _add(meta.dates, element.get("datetime"))
            return
    for element in root.xpath('//*[@itemprop="datePublished"][not(self::meta)]'):
        _add(meta.dates, element.get("datetime") or element.get("content") or element.text_content())
        return


def read_meta(root: lxml.html.HtmlElement) -> PageMeta:
    """Collect the page's self-description. Call before scripts and comments are removed."""
    meta = PageMeta()
    tags = _meta_map(root)
    for name in _TITLE_NAMES:
        for value in tags.get(name, []):
            # ccdi.gov.cn has written ArticleTitle as escaped markup: "&lt;p&gt;深度关注...&lt;/p&gt;".
            _add(meta.titles, _TAG.sub("", html.unescape(value)))
    _read_json_ld(root, meta)
    for name in _DATE_NAMES:
        for value in tags.get(name, []):
            _add(meta.dates, value)
    _read_enp(root, meta)
    _read_time_elements(root, meta)
    for name in _AUTHOR_NAMES:
        for value in tags.get(name, []):
            if not re.match(r"https?://", value.strip()):  # article:author is often a profile URL
                _add(meta.authors, value)
    for name in _EDITOR_NAMES:
        for value in tags.get(name, []):
            _add(meta.editors, value)
    for name in _ORIGIN_NAMES:
        for value in tags.get(name, []):
            # people.com.cn writes the label into the value: content="来源：北京青年报".
            _add(meta.origins, _SOURCE_LABEL.sub("", value))
    for name in _SITE_NAMES:
        for value in tags.get(name, []):
            _add(meta.site_names, value)
    if meta.publisher:
        _add(meta.site_names, meta.publisher)
    title = root.find(".//title")
    meta.html_title = clean_text(title.text_content()) if title is not None else ""
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            meta.canonical = link.get("href").strip()
            break
    return meta

"""RSS 2.0 and Atom 1.0 documents with feedgen, every item attributed and carrying the notice.

Output is deterministic: the same articles give the same bytes (build dates come
from the articles, not the clock), so an unchanged feed is not rewritten and its
ETag stays valid for readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from feedgen.feed import FeedGenerator
from lxml import etree

from ..config import Config
from ..model import Article, Category, utcnow, xml_safe
from .disclaimer import body_with_attribution, feed_rights, item_rights

ALL = Category(slug="all", name="全部")
_ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class FeedDocuments:
    """One feed in both formats."""

    rss: bytes
    atom: bytes


def article_page_url(config: Config, article_id: str) -> str:
    """The article's page on this site."""
    return f"{config.base_url}articles/{article_id}"


def item_link(config: Config, article: Article) -> str:
    """Where an item links: this site's page, or the original when item_link = "original"."""
    if config.item_link == "original" and article.url:
        return article.url
    return article_page_url(config, article.id)


def _distinct_updated(articles: list[Article]) -> list[datetime]:
    """Each entry's atom:updated, made unique within the feed.

    News items often share a second; the W3C validator warns on equal atom:updated
    values, so a repeat is moved back by microseconds, in feed order (deterministic).
    """
    seen: set[datetime] = set()
    out = []
    for article in articles:
        value = max(article.updated_at, article.published)
        while value in seen:
            value -= timedelta(microseconds=1)
        seen.add(value)
        out.append(value)
    return out


def _add_entry(fg: FeedGenerator, config: Config, article: Article, category_name: str,
               updated: datetime) -> tuple:
    page = article_page_url(config, article.id)
    link = item_link(config, article)
    fe = fg.add_entry(order="append")
    fe.id(page)
    fe.guid(page, permalink=link == page)
    # normalize already strips what XML cannot carry; this second pass covers the configured
    # disclaimer and rows stored by another version, since one bad character fails the whole feed.
    fe.title(xml_safe(article.title))
    fe.link(href=link, rel="alternate")
    body = xml_safe(body_with_attribution(article, config.disclaimer))
    fe.description(body)
    if article.summary:
        fe.summary(xml_safe(article.summary))
    fe.published(article.published)
    fe.updated(updated)
    if article.author:
        author = xml_safe(article.author)
        fe.author({"name": author})  # Atom; RSS <author> needs an email, so RSS gets dc:creator
        fe.dc.dc_creator(author)
    rights = xml_safe(item_rights(article, config.disclaimer))
    fe.rights(rights)
    fe.dc.dc_rights(rights)
    if article.feed_url:
        fe.source(url=article.feed_url, title=xml_safe(article.origin) or article.feed_url)
    fe.category(term=article.category, label=category_name)
    return fe, body


def build_feeds(config: Config, category: Category, articles: list[Article],
                names: dict[str, str]) -> FeedDocuments:
    """Both documents for one category (or ALL), articles newest first as given."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    base = config.base_url
    rss_url, atom_url = f"{base}feeds/{category.slug}.rss", f"{base}feeds/{category.slug}.atom"
    page_url = base if category.slug == ALL.slug else f"{base}categories/{category.slug}"
    title = f"{config.site_name} - {category.name}"
    fg.id(atom_url)
    fg.title(title)
    fg.description(f"{config.site_name}“{category.name}”栏目转载的文章,每篇注明来源与原文链接。")
    fg.subtitle(f"{config.site_name}“{category.name}”栏目转载的文章,每篇注明来源与原文链接。")
    fg.language("zh-CN")
    fg.author({"name": config.site_name})
    fg.rights(feed_rights(config.disclaimer))
    fg.generator("aggregator", version="0.1")
    fg.ttl(30)
    newest = max((max(a.updated_at, a.published) for a in articles), default=None) or utcnow()
    fg.updated(newest)
    fg.lastBuildDate(newest)
    entries = [_add_entry(fg, config, article, names.get(article.category, article.category), updated)
               for article, updated in zip(articles, _distinct_updated(articles))]
    # feedgen takes the RSS <link> from the last link added: self first, then the page.
    fg.link([{"href": rss_url, "rel": "self", "type": "application/rss+xml"},
             {"href": page_url, "rel": "alternate", "type": "text/html"}], replace=True)
    rss = _hex_refs_in_titles(fg.rss_str(pretty=True))
    # Atom carries the body as <content>; RSS has it once, in <description>, not again in content:encoded.
    for fe, body in entries:
        fe.content(body, type="html")
    fg.link([{"href": atom_url, "rel": "self", "type": "application/atom+xml"},
             {"href": page_url, "rel": "alternate", "type": "text/html"}], replace=True)
    atom = _hex_refs_in_titles(_complete_atom_sources(fg.atom_str(pretty=True), articles))
    return FeedDocuments(rss=rss, atom=atom)


_TITLE = re.compile(rb"<title>([^<]*)</title>")


def _hex_refs_in_titles(document: bytes) -> bytes:
    """Write "<" and "&" in plain-text titles as &#x3C; and &#x26;.

    Same text for any XML parser, but feed readers that treat titles as HTML show
    them literally, and the W3C validator asks for exactly this form.
    """
    def encode(match: re.Match) -> bytes:
        return b"<title>" + match.group(1).replace(b"&lt;", b"&#x3C;").replace(b"&amp;", b"&#x26;") + b"</title>"
    return _TITLE.sub(encode, document)


def _complete_atom_sources(atom: bytes, articles: list[Article]) -> bytes:
    """Give each entry's <source> the <id> and <updated> Atom asks for (feedgen writes neither)."""
    root = etree.fromstring(atom)
    for entry, article in zip(root.iterfind(f"{{{_ATOM}}}entry"), articles):
        source = entry.find(f"{{{_ATOM}}}source")
        if source is None:
            continue
        etree.SubElement(source, f"{{{_ATOM}}}id").text = article.feed_url
        etree.SubElement(source, f"{{{_ATOM}}}updated").text = max(article.updated_at, article.published).isoformat()
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

"""RSS 2.0 and Atom 1.0 documents with feedgen, every item attributed and carrying the notice.

Output is deterministic: the same articles give the same bytes (build dates come
from the articles, not the clock), so an unchanged feed is not rewritten and its
ETag stays valid for readers.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from feedgen.feed import FeedGenerator
from lxml import etree

from ..config import Config
from ..model import Article, Category, xml_safe
from .disclaimer import ANONYMOUS, body_with_attribution, feed_rights, item_rights

ALL = Category(slug="all", name="全部")
_ATOM = "http://www.w3.org/2005/Atom"
# The build date of a feed that has no articles and no stored creation time: fixed, so an empty
# feed's bytes (and ETag) never change by themselves.
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


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


def _add_entry(fg: FeedGenerator, config: Config, article: Article, updated: datetime) -> tuple:
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
    # Pages print 作者:佚名 when no author is known (as the seed does); feeds say the same.
    author = xml_safe(article.author) or ANONYMOUS
    fe.author({"name": author})  # Atom; RSS <author> needs an email, so RSS gets dc:creator
    fe.dc.dc_creator(author)
    rights = xml_safe(item_rights(article, config.disclaimer))
    fe.rights(rights)
    fe.dc.dc_rights(rights)
    if article.feed_url:  # items of page sources have no upstream feed to name
        fe.source(url=article.feed_url, title=xml_safe(article.origin) or article.feed_url)
    return fe, body


def _categories(fe, config: Config, article: Article, names: dict[str, str], atom: bool) -> None:
    """Our category first, then the upstream's own tags. RSS shows the text of <category>, so it
    gets our display name (domain: the category page); Atom gets the slug as term with the name
    as label."""
    slug = article.category
    name = xml_safe(names.get(slug, slug))
    scheme = f"{config.base_url}categories/"
    cats = []
    if slug in names:  # a home category that was removed has no page to point at
        cats.append({"term": slug, "scheme": scheme, "label": name} if atom else {"term": name, "scheme": scheme + slug})
    cats += [{"term": xml_safe(tag)} for tag in article.tags if tag and tag != name]
    if cats:
        fe.category(cats, replace=True)


def build_feeds(config: Config, category: Category, articles: list[Article],
                names: dict[str, str], empty_since: datetime = EPOCH) -> FeedDocuments:
    """Both documents for one category (or ALL), articles newest first as given.

    The build date is the newest article's time, or `empty_since` (the category's stored
    creation time) when there is none: never the clock, so publishing twice writes nothing.
    """
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    base = config.base_url
    rss_url, atom_url = f"{base}feeds/{category.slug}.rss", f"{base}feeds/{category.slug}.atom"
    page_url = base if category.slug == ALL.slug else f"{base}categories/{category.slug}"
    site, name = xml_safe(config.site_name), xml_safe(category.name)
    title = f"{site} - {name}"
    description = f"{site}“{name}”栏目转载的文章,每篇注明来源与原文链接。"
    fg.id(atom_url)
    fg.title(title)
    # RSS readers render a channel <description> as HTML, so names in it are escaped as text;
    # Atom's <subtitle> is type="text" and gets the plain text (feedgen keeps one value for both).
    fg.description(html.escape(description, quote=False))
    fg.language("zh-CN")
    fg.author({"name": site})
    fg.rights(xml_safe(feed_rights(config.disclaimer)))
    fg.generator("aggregator", version="0.1")
    fg.ttl(30)
    newest = max((max(a.updated_at, a.published) for a in articles), default=None) or empty_since
    fg.updated(newest)
    fg.lastBuildDate(newest)
    entries = [_add_entry(fg, config, article, updated)
               for article, updated in zip(articles, _distinct_updated(articles))]
    for (fe, _), article in zip(entries, articles):
        _categories(fe, config, article, names, atom=False)
    # feedgen takes the RSS <link> from the last link added: self first, then the page.
    fg.link([{"href": rss_url, "rel": "self", "type": "application/rss+xml"},
             {"href": page_url, "rel": "alternate", "type": "text/html"}], replace=True)
    rss = _hex_refs_in_titles(_with_rss_hubs(fg.rss_str(pretty=True), config.websub_hubs))
    fg.subtitle(description)
    # Atom carries the body as <content>; RSS has it once, in <description>, not again in content:encoded.
    for (fe, body), article in zip(entries, articles):
        fe.content(body, type="html")
        _categories(fe, config, article, names, atom=True)
    fg.link([{"href": atom_url, "rel": "self", "type": "application/atom+xml"},
             {"href": page_url, "rel": "alternate", "type": "text/html"}]
            + [{"href": hub, "rel": "hub"} for hub in config.websub_hubs], replace=True)
    atom = _hex_refs_in_titles(_complete_atom_sources(fg.atom_str(pretty=True), articles))
    return FeedDocuments(rss=rss, atom=atom)


_TITLE = re.compile(rb"<title>([^<]*)</title>")


def _with_rss_hubs(rss: bytes, hubs: tuple[str, ...]) -> bytes:
    """<atom:link rel="hub"> for each WebSub hub after the self link (feedgen writes only self in RSS)."""
    if not hubs:
        return rss
    root = etree.fromstring(rss)
    channel = root.find("channel")
    anchor = channel.find(f"{{{_ATOM}}}link")
    index = list(channel).index(anchor) + 1 if anchor is not None else 0
    for offset, hub in enumerate(hubs):
        link = etree.Element(f"{{{_ATOM}}}link", href=hub, rel="hub")
        channel.insert(index + offset, link)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


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

"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) beside RSS and Atom, with the same items,
attribution and notice, and an OPML list of every published feed for subscribing to all at once.

Deterministic like the XML feeds: the same articles give the same bytes.
"""

from __future__ import annotations

import json
from datetime import datetime

from lxml import etree

from ..config import Config
from ..model import Article, Category, xml_safe
from .disclaimer import ANONYMOUS, body_with_attribution, item_rights
from .feeds import ALL, article_page_url, item_link

VERSION = "https://jsonfeed.org/version/1.1"


def _rfc3339(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _item(config: Config, article: Article, names: dict[str, str]) -> dict:
    page = article_page_url(config, article.id)
    link = item_link(config, article)
    item = {
        "id": page,
        "url": link,
        "title": article.title,
        "content_html": body_with_attribution(article, config.disclaimer),
        "date_published": _rfc3339(article.published),
        "date_modified": _rfc3339(max(article.updated_at, article.published)),
        "authors": [{"name": article.author or ANONYMOUS}],
        "language": "zh-CN",
    }
    if article.url and article.url != link:
        item["external_url"] = article.url  # 原文链接: where the story was first published
    if article.summary:
        item["summary"] = article.summary
    tags = ([names[article.category]] if article.category in names else []) + [
        t for t in article.tags if t and t != names.get(article.category)]
    if tags:
        item["tags"] = tags
    # Our own extension (JSON Feed allows keys starting with "_"): attribution as data.
    item["_aggregator"] = {
        "origin": article.origin, "origin_url": article.origin_url, "rights": item_rights(article, config.disclaimer),
        "carried_by": [{"name": name, "url": url} for name, url in article.carried_by],
    }
    return item


def build_json_feed(config: Config, category: Category, articles: list[Article], names: dict[str, str]) -> bytes:
    """The JSON Feed of one category (or ALL), articles newest first as given."""
    base = config.base_url
    page_url = base if category.slug == ALL.slug else f"{base}categories/{category.slug}"
    document = {
        "version": VERSION,
        "title": f"{config.site_name} - {category.name}",
        "home_page_url": page_url,
        "feed_url": f"{base}feeds/{category.slug}.json",
        "description": f"{config.site_name}“{category.name}”栏目转载的文章,每篇注明来源与原文链接。{config.disclaimer}",
        "language": "zh-CN",
        "authors": [{"name": config.site_name}],
        "items": [_item(config, article, names) for article in articles],
    }
    if config.websub_hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in config.websub_hubs]
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def build_opml(config: Config, categories: list[Category]) -> bytes:
    """OPML 2.0 listing every published category feed (and the all-categories feed)."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = xml_safe(f"{config.site_name} 订阅源")
    body = etree.SubElement(root, "body")
    base = config.base_url
    for category in [ALL, *categories]:
        page = base if category.slug == ALL.slug else f"{base}categories/{category.slug}"
        title = xml_safe(f"{config.site_name} - {category.name}")
        etree.SubElement(body, "outline", type="rss", text=title, title=title,
                         xmlUrl=f"{base}feeds/{category.slug}.rss", htmlUrl=page)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

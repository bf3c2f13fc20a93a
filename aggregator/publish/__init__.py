"""Publish: feeds (feedgen) and pages (Jinja2) written atomically under DATA_DIR/public."""

from .disclaimer import ANONYMOUS, attribution_html, body_with_attribution, feed_rights, item_rights
from .feeds import ALL, EPOCH, FeedDocuments, article_page_url, build_feeds, item_link
from .files import flush, remove_file, write_atomic
from .jsonfeed import build_json_feed, build_opml
from .media import with_media_urls
from .pages import (display_time, render_article, render_category, render_gone, render_index, render_not_found,
                    render_search,
                    stylesheet)

__all__ = [
    "ANONYMOUS", "attribution_html", "body_with_attribution", "feed_rights", "item_rights", "ALL", "EPOCH",
    "FeedDocuments", "article_page_url", "build_feeds", "item_link", "flush", "remove_file", "write_atomic", "build_json_feed", "build_opml", "with_media_urls", "display_time", "render_article",
    "render_category", "render_gone", "render_index", "render_not_found", "render_search", "stylesheet",
]

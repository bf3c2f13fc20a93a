"""Mirrored images in published output: a stored body says src="media:HASH.EXT" (pipeline.media);
pages and feeds say {base_url}media/HASH.EXT, so the stored bodies never depend on the address."""

from __future__ import annotations

from ..model import Article


def with_media_urls(article: Article, base_url: str) -> Article:
    """The article with its mirrored images at their public address."""
    if 'src="media:' not in article.content_html:
        return article
    return article.replace(content_html=article.content_html.replace('src="media:', f'src="{base_url}media/'))

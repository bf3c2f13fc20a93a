"""A listing (column) page -> its article links and the next listing page.

links finds the list of articles, next the 下一页 / page-2 link, urls scores and
resolves candidate URLs.
"""

from .links import find_article_links

__all__ = ["find_article_links"]

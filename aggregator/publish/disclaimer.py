"""The one place where the copyright notice and an article's attribution are built.

Applied at publish time to every output (feed items, article pages), so changing
the configured disclaimer changes everything on the next publish.
"""

from __future__ import annotations

from ..model import Article
from .templating import ANONYMOUS, ORIGIN_UNKNOWN, environment

__all__ = ["ANONYMOUS", "attribution_html", "body_with_attribution", "feed_rights", "item_rights"]
_RIGHTS_HELD = "版权归原作者所有"


def attribution_html(article: Article, disclaimer: str) -> str:
    """The visible block closing every item: original link, origin and the disclaimer."""
    return environment().get_template("attribution.html").render(article=article, disclaimer=disclaimer)


def body_with_attribution(article: Article, disclaimer: str) -> str:
    """The article body followed by its attribution block, as published in feeds."""
    return f"{article.content_html}\n{attribution_html(article, disclaimer)}"


def item_rights(article: Article, disclaimer: str) -> str:
    """Machine-readable rights of one item: who holds them, where it came from, the notice."""
    origin = article.origin or ORIGIN_UNKNOWN
    held = "" if _RIGHTS_HELD in disclaimer else f"{_RIGHTS_HELD},"  # said once, not twice
    return f"{held}来源:{origin}。{disclaimer}"


def feed_rights(disclaimer: str) -> str:
    """Machine-readable rights of a whole feed (RSS <copyright>, Atom <rights>)."""
    return disclaimer if _RIGHTS_HELD in disclaimer else f"各文章{_RIGHTS_HELD}。{disclaimer}"

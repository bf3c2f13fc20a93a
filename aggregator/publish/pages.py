"""Pages for people: the index, one page per category, one per article in the seed's shape."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..config import Config
from ..model import Article, Category, from_iso
from .templating import environment


def display_time(article: Article, tz: str) -> str:
    """发布时间 as shown: local time to the second, the day alone when only a day is known."""
    local: datetime = article.published.astimezone(ZoneInfo(tz))
    if article.date_missing:
        return f"未注明(收录于 {local:%Y-%m-%d %H:%M})"
    if article.date_only:
        return f"{local:%Y-%m-%d}"
    return f"{local:%Y-%m-%d %H:%M:%S}"


def _common(config: Config) -> dict:
    return {"site_name": config.site_name, "base_url": config.base_url}


def render_article(config: Config, article: Article, category: Category) -> bytes:
    """The article page: site, breadcrumb, title, 发布时间/作者/来源, body, 原文链接, notice."""
    html = environment().get_template("article.html").render(
        **_common(config), article=article, category=category, when=display_time(article, config.timezone),
        disclaimer=config.disclaimer)
    return html.encode("utf-8")


def _listing(config: Config, articles: list[Article], names: dict[str, str]) -> list[dict]:
    return [{"id": a.id, "title": a.title, "origin": a.origin or "", "when": display_time(a, config.timezone),
             "summary": a.summary or "", "category_name": names.get(a.category, a.category)} for a in articles]


def category_page_url(config: Config, slug: str, page: int) -> str:
    """Page 1 of a category stays /categories/{slug}; later pages are /categories/{slug}/{n}."""
    return f"{config.base_url}categories/{slug}" + (f"/{page}" if page > 1 else "")


def render_category(config: Config, category: Category, articles: list[Article], page: int = 1,
                    pages: int = 1) -> bytes:
    """One page of a category: its articles (title, date, 来源, summary), the pager and its feed links."""
    html = environment().get_template("category.html").render(
        **_common(config), category=category, articles=_listing(config, articles, {}), page=page, pages=pages,
        prev_url=category_page_url(config, category.slug, page - 1) if page > 1 else None,
        next_url=category_page_url(config, category.slug, page + 1) if page < pages else None)
    return html.encode("utf-8")


def render_not_found(config: Config) -> bytes:
    """The 404 page, in the site's chrome and language."""
    return environment().get_template("404.html").render(**_common(config)).encode("utf-8")


def render_index(config: Config, categories: list[dict], latest: list[Article], total: int) -> bytes:
    """The home page: every category with its RSS and Atom links, and autodiscovery links."""
    names = {c["slug"]: c["name"] for c in categories}
    html = environment().get_template("index.html").render(
        **_common(config), categories=categories, latest=_listing(config, latest, names), total=total)
    return html.encode("utf-8")


def render_gone(config: Config, removed_at: datetime) -> bytes:
    """The notice a taken-down article's URL answers with (410 Gone), in the site's chrome; the
    takedown's reason stays in the admin's records."""
    local = removed_at.astimezone(ZoneInfo(config.timezone))
    html = environment().get_template("gone.html").render(**_common(config), when=f"{local:%Y-%m-%d}")
    return html.encode("utf-8")


def render_search(config: Config, query: str, total: int, hits: list, page: int, per_page: int) -> bytes:
    """The search page: the box, and for a query its results newest first with marked snippets."""
    tz = ZoneInfo(config.timezone)
    rows = [{"id": h.id, "title_html": h.title_html, "snippet_html": h.snippet_html, "origin": h.origin,
             "when": f"{from_iso(h.published).astimezone(tz):%Y-%m-%d %H:%M}"} for h in hits]
    html = environment().get_template("search.html").render(**_common(config), query=query, total=total, hits=rows,
                                                            page=page, per_page=per_page)
    return html.encode("utf-8")


def stylesheet() -> bytes:
    """The site's one stylesheet."""
    source, _, _ = environment().loader.get_source(environment(), "style.css")
    return source.encode("utf-8")

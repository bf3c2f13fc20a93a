"""`aggregator categories ...`: the site's columns."""

from __future__ import annotations

import json

import click

from .. import store
from ..pipeline import resolve_base_url
from .base import Context, cli, pass_ctx, table


def _name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return store.check_category_name(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.group()
def categories() -> None:
    """Manage categories: an ASCII slug for URLs and a display name.

    Example:

    \b
        aggregator categories list
    """


@categories.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, for scripts.")
@pass_ctx
def list_(ctx: Context, as_json: bool) -> None:
    """List categories with their feed URLs and counts.

    Example:

    \b
        aggregator categories list
    """
    rows = store.list_categories(ctx.db)
    base = resolve_base_url(ctx.db, ctx.config).base_url
    for row in rows:
        row["rss"], row["atom"] = f"{base}feeds/{row['slug']}.rss", f"{base}feeds/{row['slug']}.atom"
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        click.echo("no categories yet: aggregator categories add SLUG --name NAME")
    else:
        click.echo(table([[r["slug"], r["name"], r["sources"], r["articles"], r["rss"]] for r in rows],
                         ["slug", "name", "sources", "articles", "rss"]))


@categories.command("add")
@click.argument("slug")
@click.option("--name", required=True, callback=_name, help="Display name, e.g. 反腐纪实 (at most 64 characters).")
@pass_ctx
def add(ctx: Context, slug: str, name: str) -> None:
    """Add a category (or rename the one with this slug).

    Example:

    \b
        aggregator categories add fanfu --name 反腐纪实
    """
    if not store.is_slug(slug):
        raise click.BadParameter("use lower-case ASCII letters, digits and hyphens, e.g. fanfu-jishi",
                                 param_hint="SLUG")
    category = store.add_category(ctx.db, slug, name)
    click.echo(f"category {category.slug}: {category.name}")

"""`aggregator categories ...`: the site's columns."""

from __future__ import annotations

import json

import click

from .. import store
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
    base = store.resolve_base_url(ctx.db, ctx.config).base_url
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


def _republish_all(ctx: Context) -> None:
    from ..pipeline import publish_site

    report = publish_site(ctx.db, ctx.config)
    for failure in report.failed:
        click.echo(f"warning: not published: {failure}", err=True)


@categories.command("rename")
@click.argument("slug")
@click.argument("name", callback=_name)
@pass_ctx
def rename(ctx: Context, slug: str, name: str) -> None:
    """Give category SLUG a new display name (its URLs stay) and republish.

    Example:

    \b
        aggregator categories rename fanfu 纪检监察
    """
    category = store.rename_category(ctx.db, slug, name)
    _republish_all(ctx)
    click.echo(f"category {category.slug}: {category.name}")


@categories.command("remove")
@click.argument("slug")
@pass_ctx
def remove(ctx: Context, slug: str) -> None:
    """Remove category SLUG with its rules and feeds. Its articles stay reachable through their
    other categories and the all-categories feed. Refused while sources still use it.

    Example:

    \b
        aggregator categories remove guoji
    """
    homed = store.remove_category(ctx.db, slug)
    _republish_all(ctx)
    click.echo(f"category {slug} removed ({homed} articles keep it only as a label; they stay in 'all')")


@categories.command("merge")
@click.argument("source", metavar="FROM")
@click.argument("into", metavar="INTO")
@pass_ctx
def merge(ctx: Context, source: str, into: str) -> None:
    """Move everything of category FROM (sources, articles, rules) into INTO, remove FROM and republish.

    Example:

    \b
        aggregator categories merge fanfu-jishi fanfu
    """
    moved = store.merge_categories(ctx.db, source, into)
    _republish_all(ctx)
    click.echo(f"category {source} merged into {into} ({moved} articles)")

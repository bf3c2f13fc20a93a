"""`aggregator takedown ...` and `aggregator blocklist ...`: what a rights holder had removed."""

from __future__ import annotations

import json

import click

from .. import store
from ..pipeline import publish_site, sweep_media
from .base import Context, cli, pass_ctx, table


class _TakedownGroup(click.Group):
    """`takedown ID --reason ...` removes; `takedown list` lists. An article reference is never a
    subcommand's name (it is an id or a URL), so anything else is the article to remove."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in self.commands:
            args = ["article", *args]
        return super().resolve_command(ctx, args)


def _republish(ctx: Context, removed: store.Removed) -> int:
    if not removed.articles:
        return 0
    report = publish_site(ctx.db, ctx.config, categories=removed.categories, article_ids=set(),
                          dropped=set(removed.articles))
    sweep_media(ctx.db, ctx.config)  # its mirrored images too, unless another article shows them
    for failure in report.failed:
        click.echo(f"warning: not published: {failure}", err=True)
    return len(report.written) + len(report.removed)


@cli.group(cls=_TakedownGroup)
def takedown() -> None:
    """Remove an article, with every outlet's copy, for good; list what was removed.

    The article leaves every feed and page at once, its URL answers 410 Gone, and its links,
    body and fingerprint are remembered so no source brings it back.

    Examples:

    \b
        aggregator takedown 3f2a9c1e5b7d0a42 --reason "权利人来函要求删除(2024-12-01)"
        aggregator takedown http://news.example.cn/2024/1203/c1-1.html --reason "版权投诉"
        aggregator takedown list
    """


@takedown.command("article", hidden=True)
@click.argument("ref", metavar="ARTICLE_ID_OR_URL")
@click.option("--reason", required=True, help="Why (kept with the record, never published).")
@pass_ctx
def takedown_article(ctx: Context, ref: str, reason: str) -> None:
    """Take down the article ARTICLE_ID_OR_URL (its id, page URL or any outlet's link)."""
    removed = store.take_down(ctx.db, ref, reason)
    files = _republish(ctx, removed)
    click.echo(f"took down article {removed.articles[0]} (takedown {removed.takedowns[0]}); "
               f"{files} files republished")


@takedown.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, for scripts.")
@pass_ctx
def takedown_list(ctx: Context, as_json: bool) -> None:
    """List every takedown, newest first: when, which article, why.

    Example:

    \b
        aggregator takedown list
    """
    rows = store.list_takedowns(ctx.db)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        click.echo("nothing has been taken down")
    else:
        click.echo(table([[r["id"], r["at"], r["article_id"], (r["title"] or "")[:30], r["reason"]] for r in rows],
                         ["id", "at", "article", "title", "reason"]))


@cli.group()
def blocklist() -> None:
    """Keep out every item from a 来源, a domain or a URL pattern.

    Examples:

    \b
        aggregator blocklist add origin 某某自媒体 --reason "未经授权转载"
        aggregator blocklist add domain spam.example.com --reason "抄袭站"
        aggregator blocklist add url 'http://news.example.cn/ad/*' --reason "广告"
        aggregator blocklist list
        aggregator blocklist remove 2
    """


@blocklist.command("add")
@click.argument("field", type=click.Choice(store.BLOCK_FIELDS))
@click.argument("pattern")
@click.option("--reason", required=True, help="Why (kept with the entry and its takedowns).")
@pass_ctx
def blocklist_add(ctx: Context, field: str, pattern: str, reason: str) -> None:
    """Block FIELD (origin: the 来源 name exactly; domain: a host and its subdomains; url: a URL
    pattern with * wildcards, matched on the link and the original link). Stored articles it
    matches are taken down now.

    Example:

    \b
        aggregator blocklist add domain spam.example.com --reason "抄袭站"
    """
    entry, removed = store.add_block(ctx.db, field, pattern, reason)
    files = _republish(ctx, removed)
    click.echo(f"blocklist entry {entry}: {field} {pattern}; {len(removed.articles)} stored articles taken down, "
               f"{files} files republished")


@blocklist.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, for scripts.")
@pass_ctx
def blocklist_list(ctx: Context, as_json: bool) -> None:
    """List the blocklist.

    Example:

    \b
        aggregator blocklist list
    """
    rows = store.blocklist(ctx.db)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        click.echo("the blocklist is empty")
    else:
        click.echo(table([[r["id"], r["field"], r["pattern"], r["reason"], r["at"]] for r in rows],
                         ["id", "field", "pattern", "reason", "at"]))


@blocklist.command("remove")
@click.argument("entry", type=int)
@pass_ctx
def blocklist_remove(ctx: Context, entry: int) -> None:
    """Lift blocklist entry ENTRY (what it took down stays taken down).

    Example:

    \b
        aggregator blocklist remove 2
    """
    store.remove_block(ctx.db, entry)
    click.echo(f"blocklist entry {entry} removed")

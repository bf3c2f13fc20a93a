"""`aggregator sources ...`: add, list, remove, import and export the upstreams."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import click

from .. import store
from ..catalog import CatalogEntry, CatalogRule, check_url, read_catalog, to_opml, to_toml
from ..config import check_timezone, parse_duration
from ..errors import FetchError
from ..model import FULL_TEXT_MODES, SOURCE_KINDS, Source
from .base import SOURCES_LAZY, LazyGroup, Context, cli, pass_ctx, table
from .options import SOURCE_ID, nonempty, selector_options, selectors_from


def _private_literal(host: str) -> bool:
    """True for an IP literal the fetch guard would refuse (names are only known at fetch time)."""
    from ..fetch.guard import check_ip_literal  # the fetch package pulls aiohttp: only when a source is added

    try:
        check_ip_literal(host)
    except FetchError:
        return True
    return False


def _url(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return check_url(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    try:
        return parse_duration(value) if value is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _timezone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        return check_timezone(value) if value is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.group(cls=LazyGroup, lazy=SOURCES_LAZY)
def sources() -> None:
    """Manage the upstream sources (feeds and HTML pages) and their schedule.

    Example:

    \b
        aggregator sources list
    """


@sources.command("add")
@click.argument("url", callback=_url)
@click.option("--category", required=True, callback=nonempty,
              help="Category slug or display name; created when unknown.")
@click.option("--name", callback=nonempty, help="Display name (default: the feed's own title).")
@click.option("--kind", type=click.Choice(SOURCE_KINDS), default="auto", show_default=True,
              help="feed; page (a listing page whose article links are followed); auto (either).")
@click.option("--every", callback=_duration, help="Polling interval: 90s, 30m, 2h, 1d (at least 1m).")
@click.option("--timezone", callback=_timezone, help="Zone for dates without one (default: config timezone).")
@click.option("--full-text", type=click.Choice(FULL_TEXT_MODES),
              help="Fetch each item's article page: auto (teasers only), always, never (default: the "
                   "full_text setting, auto).")
@selector_options
@pass_ctx
def add(ctx: Context, url: str, category: str, name: str | None, kind: str, every: int | None,
        timezone: str | None, full_text: str | None, **options: str | None) -> None:
    """Add a source: a feed, or an HTML listing page whose article links are followed.

    Nothing is fetched until the next `aggregator fetch` (or the daemon's next sync).
    --kind auto takes a feed if the URL is one, else the feed the page advertises,
    else reads the page as a listing. Try a page source first with `aggregator sources test`.

    Example:

    \b
        aggregator sources add https://example.org/rss.xml --category 反腐纪实 --every 30m
        aggregator sources add https://www.ccdi.gov.cn/yaowenn/ --category 反腐纪实 --kind page
    """
    selectors = selectors_from(options)
    db = ctx.db
    cat = store.ensure_category(db, category)
    source = store.add_source(db, Source(id=None, url=url, category=cat.slug, name=name, kind=kind,
                                         every=every or ctx.config.default_every_seconds, timezone=timezone,
                                         selectors=selectors, full_text=full_text))
    click.echo(f"added source {source.id}: {url} -> {cat.name} ({cat.slug})")
    host = urlsplit(url).hostname or ""
    if not ctx.config.allow_private_networks and (host == "localhost" or host.endswith(".localhost")
                                                  or _private_literal(host)):
        click.echo(f"warning: {host} is a private address; fetching it will be refused unless "
                   "allow_private_networks = true (aggregator.toml or AGGREGATOR_ALLOW_PRIVATE_NETWORKS=1)", err=True)


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, for scripts.")
@pass_ctx
def list_(ctx: Context, as_json: bool) -> None:
    """List sources with their status, last error and article count.

    Example:

    \b
        aggregator sources list --json
    """
    counts = store.article_counts(ctx.db)
    items = [store.source_json(s, counts.get(s.id, 0)) for s in store.list_sources(ctx.db)]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("no sources yet: aggregator sources add URL --category NAME")
        return
    rows = [[i["id"], i["status"], i["category"], i["articles"], (i["last_fetched_at"] or "-"),
             (i["next_fetch_at"] or "-"), i["name"][:40], (i["last_error"] or i["warning"] or "")[:60]]
            for i in items]
    click.echo(table(rows, ["id", "status", "category", "articles", "last fetched", "next fetch", "name",
                            "last error / warning"]))


def _set_enabled(ctx: Context, source_id: int, enabled: bool) -> None:
    source = store.get_source(ctx.db, source_id)
    changes: dict = {"enabled": enabled}
    if enabled and not source.enabled:
        # Back in service now, with a clean slate: the daemon picks it up at its next sync.
        changes |= {"status": "new" if source.last_success_at is None else "ok", "next_fetch_at": None,
                    "consecutive_failures": 0, "retry_after_until": None}
    elif not enabled:
        changes["status"] = "disabled"
    store.update_source(ctx.db, source_id, **changes)
    click.echo(f"source {source_id} {'enabled' if enabled else 'disabled'}: {source.url}")


@sources.command("enable")
@click.argument("source_id", type=SOURCE_ID)
@pass_ctx
def enable(ctx: Context, source_id: int) -> None:
    """Enable a source again (also one disabled by a 410 Gone); it is fetched at the daemon's next sync.

    Example:

    \b
        aggregator sources enable 3
    """
    _set_enabled(ctx, source_id, True)


@sources.command("disable")
@click.argument("source_id", type=SOURCE_ID)
@pass_ctx
def disable(ctx: Context, source_id: int) -> None:
    """Stop polling a source without removing it or its articles.

    Example:

    \b
        aggregator sources disable 3
    """
    _set_enabled(ctx, source_id, False)


@sources.command("log")
@click.argument("source_id", type=SOURCE_ID)
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True, help="How many attempts.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, for scripts.")
@pass_ctx
def log_(ctx: Context, source_id: int, limit: int, as_json: bool) -> None:
    """Show a source's recent fetch attempts, newest first (the last 100 are kept).

    Example:

    \b
        aggregator sources log 3 --limit 5
    """
    source = store.get_source(ctx.db, source_id)
    entries = store.fetch_log(ctx.db, source_id, limit)
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    click.echo(f"source {source.id}: {source.url} ({source.status}"
               f"{', ' + source.warning if source.warning else ''})")
    if not entries:
        click.echo("no attempts yet")
        return
    click.echo(table([[e["at"], e["result"], e["bytes"], e["ms"], e["new"], e["updated"], e["error"] or ""]
                      for e in entries], ["at", "result", "bytes", "ms", "new", "updated", "error"]))


@sources.command("forget")
@click.argument("source_id", type=SOURCE_ID)
@pass_ctx
def forget(ctx: Context, source_id: int) -> None:
    """Forget the article links a page source has seen, so its next fetch reads them again.

    Stored articles stay; fetched again, they update their rows instead of being duplicated.

    Example:

    \b
        aggregator sources forget 3
    """
    source = store.get_source(ctx.db, source_id)
    forgotten = store.forget_links(ctx.db, source_id)
    store.update_source(ctx.db, source_id, content_hash=None, etag=None, last_modified=None)
    click.echo(f"source {source_id}: forgot {forgotten} links of {source.url}")


@sources.command("remove")
@click.argument("source_id", type=SOURCE_ID)
@click.option("--purge", is_flag=True, help="Also delete the articles it brought (default: keep them).")
@pass_ctx
def remove(ctx: Context, source_id: int, purge: bool) -> None:
    """Remove a source. Its articles stay published unless --purge.

    Example:

    \b
        aggregator sources remove 3
    """
    purged = store.remove_source(ctx.db, source_id, purge=purge)
    click.echo(f"removed source {source_id}" + (f" and {purged} articles" if purge else ""))


def import_entries(ctx: Context, categories: dict[str, str], entries: list[CatalogEntry]) -> tuple[int, int, int]:
    """Create categories and add or update sources; returns (added, updated, unchanged)."""
    db = ctx.db
    for slug, name in categories.items():
        if store.get_category(db, slug) is None:
            store.add_category(db, slug, name)
    added = updated = unchanged = 0
    for entry in entries:
        cat = store.ensure_category(db, entry.category)
        every = entry.every or ctx.config.default_every_seconds
        existing = store.find_source_by_url(db, entry.url)
        if existing is None:
            store.add_source(db, Source(id=None, url=entry.url, category=cat.slug, name=entry.name,
                                        kind=entry.kind, every=every, timezone=entry.timezone,
                                        selectors=entry.selectors, enabled=entry.enabled,
                                        full_text=entry.full_text,
                                        status="new" if entry.enabled else "disabled"))
            added += 1
            continue
        wanted = {"category": cat.slug, "name": entry.name or existing.name, "kind": entry.kind,
                  "every": every, "timezone": entry.timezone, "selectors": entry.selectors,
                  "enabled": entry.enabled, "full_text": entry.full_text}
        changes = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
        if "enabled" in changes:
            changes["status"] = "disabled" if not entry.enabled else ("ok" if existing.last_success_at else "new")
        if changes:
            store.update_source(db, existing.id, **changes)
            updated += 1
        else:
            unchanged += 1
    return added, updated, unchanged


def import_rules(ctx: Context, rules: list[CatalogRule]) -> int:
    """Store the catalog's category rules (an identical rule is kept once); returns how many are new."""
    known = {r.id for r in store.list_rules(ctx.db)}
    added = 0
    for rule in rules:
        category = store.ensure_category(ctx.db, rule.category)
        stored = store.add_rule(ctx.db, store.Rule(None, category.slug, rule.pattern, rule.field, rule.regex,
                                                   rule.exclude, origin="catalog"))
        if stored.id not in known:
            known.add(stored.id)
            added += 1
    return added


@sources.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--category", callback=nonempty, help="Category for OPML outlines that name none.")
@click.option("--if-empty", is_flag=True, help="Only import when no source exists yet (first start).")
@pass_ctx
def import_(ctx: Context, path: Path, category: str | None, if_empty: bool) -> None:
    """Import sources from OPML, a feeds/ TOML file, or a folder of them. Safe to repeat.

    Example:

    \b
        aggregator sources import feeds/
    """
    if if_empty and store.list_sources(ctx.db):
        click.echo("sources already present; catalog not imported")
        return
    catalog = read_catalog(path, category)
    added, updated, unchanged = import_entries(ctx, catalog.categories, catalog.entries)
    rules = import_rules(ctx, catalog.rules)
    click.echo(f"imported {path}: {added} added, {updated} updated, {unchanged} unchanged"
               + (f"; {rules} new rules" if rules else ""))


@sources.command("export")
@click.option("--format", "fmt", type=click.Choice(["opml", "toml"]), default="opml", show_default=True)
@pass_ctx
def export(ctx: Context, fmt: str) -> None:
    """Print every source as OPML or as feeds/ TOML.

    Example:

    \b
        aggregator sources export --format toml > feeds/backup.toml
    """
    categories = {r["slug"]: r["name"] for r in store.list_categories(ctx.db)}
    all_sources = store.list_sources(ctx.db)
    if fmt == "toml":
        rules = [CatalogRule(r.category, r.pattern, r.field, r.regex, r.exclude) for r in store.list_rules(ctx.db)]
        click.echo(to_toml(categories, all_sources, rules), nl=False)
    else:
        click.echo(to_opml(categories, all_sources, ctx.config.site_name), nl=False)


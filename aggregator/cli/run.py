"""`aggregator fetch | publish | serve`: the one-shot cycle, a full publish, the server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from types import SimpleNamespace

import click

from .. import store
from ..errors import NotFoundError
from ..pipeline import prune_old
from ..pipeline import CycleReport, SourceOutcome, announce, publish_site, record_served, resolve_base_url, run_cycle
from .base import Context, cli, pass_ctx, setup_logging, table
from .options import SOURCE_ID


def _outcome_json(o: SourceOutcome) -> dict:
    return {"id": o.source_id, "url": o.url, "name": o.name, "result": o.result, "new": o.new,
            "updated": o.updated, "unchanged": o.unchanged, "error": o.error, "ms": o.elapsed_ms}


def _summary(report: CycleReport) -> str:
    rows = [[o.source_id, o.name[:36], o.result, o.new, o.updated, o.unchanged, o.error or ""]
            for o in report.outcomes]
    return table(rows, ["id", "source", "result", "new", "updated", "unchanged", "error"])


@cli.command()
@click.argument("source_ids", nargs=-1, type=SOURCE_ID)
@click.option("--force", is_flag=True, help="Also fetch sources whose Retry-After has not passed.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 when any source failed.")
@pass_ctx
def fetch(ctx: Context, source_ids: tuple[int, ...], force: bool, as_json: bool, strict: bool) -> None:
    """Run one ingest cycle now over all enabled sources (or the given ids), then publish what changed.

    Failed sources are recorded with their reason and do not stop the cycle; the
    exit code is 0 when the cycle ran, unless --strict.

    Example:

    \b
        aggregator fetch
        aggregator fetch 3 7 --json
    """
    db = ctx.db
    if source_ids:
        chosen = store.list_sources(db, list(source_ids))
        missing = set(source_ids) - {s.id for s in chosen}
        if missing:  # the same words and exit code (2) as every other command given an unknown id
            raise NotFoundError(f"no source with id {', '.join(map(str, sorted(missing)))}")
    else:
        chosen = store.list_sources(db, enabled_only=True)
    show_bar = sys.stderr.isatty() and not as_json and len(chosen) > 1
    no_bar = contextlib.nullcontext(SimpleNamespace(update=lambda n: None))
    with click.progressbar(length=len(chosen), label="fetching", file=sys.stderr) if show_bar else no_bar as bar:
        report = asyncio.run(run_cycle(db, ctx.config, chosen, force=force, on_done=lambda _o: bar.update(1)))
    published = publish_site(db, ctx.config, categories=report.categories, article_ids=report.article_ids)
    asyncio.run(announce(ctx.config, published))
    if as_json:
        click.echo(json.dumps({"sources": [_outcome_json(o) for o in report.outcomes],
                               "files_written": len(published.written)},
                              ensure_ascii=False, indent=2))
    elif report.outcomes:
        click.echo(_summary(report))
        new = sum(o.new for o in report.outcomes)
        click.echo(f"{len(report.outcomes)} sources, {new} new articles, {len(report.failed)} failed, "
                   f"{len(published.written)} files written")
    else:
        click.echo("no sources to fetch")
    if strict and report.failed:
        ctx_exit(1)


def ctx_exit(code: int) -> None:
    """Leave with `code` through click, so the group's cleanup still runs."""
    click.get_current_context().exit(code)


@cli.command()
@pass_ctx
def publish(ctx: Context) -> None:
    """Rewrite every feed and page from the database (files with the same bytes are kept).

    Example:

    \b
        aggregator publish
    """
    moves = store.apply_rules(ctx.db)  # rules apply to stored articles too, not only to new ones
    report = publish_site(ctx.db, ctx.config)
    asyncio.run(announce(ctx.config, report))
    if moves.article_ids:
        click.echo(f"rules moved {len(moves.article_ids)} articles")
    click.echo(f"published {report.feeds} feeds and {report.pages} article pages "
               f"to {ctx.config.public_dir} ({len(report.written)} files changed)")
    for failure in report.failed:  # the rest was published; these outputs were skipped
        click.echo(f"warning: not published: {failure}", err=True)


@cli.command()
@click.option("--host", help="Address to listen on (default: config host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: config port, 8080).")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Processes answering on the one socket (default: config serve_workers, 1).")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the published feeds and pages over HTTP until interrupted.

    URLs: /, /feeds/{slug}.rss, /feeds/{slug}.atom, /feeds/all.rss, /categories/{slug},
    /articles/{id}, /healthz.

    Example:

    \b
        aggregator serve --port 8080
        aggregator serve --port 8080 --workers 2
    """
    from ..serve import bind, start_server  # aiohttp.web: only the commands that serve import it

    config = ctx.config
    setup_logging(config.log_level)
    host, port = host or config.host, config.port if port is None else port
    db = ctx.db
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    before = resolve_base_url(db, config).base_url
    config = record_served(db, config, host, sock.getsockname()[1])
    if config.base_url != before or not (config.public_dir / "index.html").exists():
        publish_site(db, config)  # links and stylesheet must point where we serve
    from ..serve import workers as processes

    children = processes.fork_workers((workers or config.serve_workers) - 1)
    if children is None:  # a forked worker: its own connection (a SQLite connection must not cross a fork)
        db = store.open_db(config.db_path, migrate=False)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        from .. import admin

        runner = await start_server(config, db, sock, extend=lambda app, lock: admin.install(app, config, db, lock))
        if children is not None:
            click.echo(f"serving {config.public_dir} on {config.base_url} with {len(children) + 1} "
                       f"process{'es' if children else ''} (Ctrl-C to stop)"
                       + (f"; admin API at {config.base_url}api/" if config.admin_token else ""), err=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    if children is None:
        processes.run(main())
        # A forked worker ends here, without closing the connection it inherited: SQLite closing a
        # connection copied across fork() could believe it is the last one and checkpoint or
        # delete the WAL under the parent's feet.
        processes.exit_worker()
    try:
        processes.run(main())
    finally:
        if children:
            processes.stop_workers(children)


@cli.command("run")
@click.option("--host", help="Address to listen on (default: config host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: config port, 8080).")
@pass_ctx
def run_(ctx: Context, host: str | None, port: int | None) -> None:
    """Run the daemon: scheduled fetching of every enabled source, publishing, and the server.

    Each source is polled on its own interval; failing sources back off; the CLI can
    add, remove, enable or disable sources meanwhile (picked up within 30 s). SIGTERM
    or Ctrl-C stops it cleanly. One daemon per data dir.

    Example:

    \b
        aggregator run --port 8080
    """
    config = ctx.config
    setup_logging(config.log_level)
    host, port = host or config.host, config.port if port is None else port
    from ..daemon import run_daemon  # the scheduler (APScheduler): a third of `fetch`'s start-up otherwise

    try:
        run_daemon(config, host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="The summary as JSON (the body of /healthz).")
@pass_ctx
def health(ctx: Context, as_json: bool) -> None:
    """Summarise source health: counts by status, failing and suspicious sources, last publish.

    Example:

    \b
        aggregator health --json
    """
    summary = store.health_summary(ctx.db)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    counts = ", ".join(f"{n} {status}" for status, n in summary["sources"].items())
    click.echo(f"sources: {counts}; articles: {summary['articles']}; "
               f"last publish: {summary['last_publish_at'] or 'never'}")
    if summary["failing"]:
        click.echo(table([[f["id"], f["status"], f["consecutive_failures"], f["next_fetch_at"] or "-",
                           f["name"][:30], f["error"] or ""] for f in summary["failing"]],
                         ["id", "status", "failures", "next attempt", "name", "reason"]))
    for s in summary["suspicious"]:
        click.echo(f"source {s['id']} ({s['name'][:30]}): {s['warning']}")


@cli.command()
@click.option("--older-than", "days", type=click.IntRange(1, 36_500), metavar="DAYS",
              help="Age in days (default: the retention_days setting, 180).")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@click.option("--json", "as_json", is_flag=True, help="The result as JSON.")
@pass_ctx
def prune(ctx: Context, days: int | None, dry_run: bool, as_json: bool) -> None:
    """Remove articles older than the retention age that no feed still shows, with their sightings
    and seen links; their links are remembered, so they never return as new. The daemon does
    this on its own every few hours.

    Example:

    \b
        aggregator prune --dry-run
        aggregator prune --older-than 90
    """
    db = ctx.db
    switched = False if dry_run else store.enable_incremental_vacuum(db)
    pruned = prune_old(db, ctx.config, days=days, dry_run=dry_run)
    written = 0
    if pruned.article_ids and not dry_run:
        report = publish_site(db, ctx.config, categories=pruned.categories, article_ids=set(),
                              dropped=set(pruned.article_ids))
        written = len(report.written) + len(report.removed)
    if as_json:
        click.echo(json.dumps({"dry_run": dry_run, "articles": len(pruned.article_ids),
                               "seen_links": pruned.seen_links, "freed_bytes": pruned.freed_bytes,
                               "files_changed": written}, ensure_ascii=False))
        return
    if switched:
        click.echo("the database now hands freed space back to the file system (incremental vacuum)")
    if ctx.config.retention_days == 0 and days is None:
        click.echo("retention_days = 0: nothing is pruned")
    elif dry_run:
        click.echo(f"would remove {len(pruned.article_ids)} articles")
    else:
        click.echo(f"removed {len(pruned.article_ids)} articles and {pruned.seen_links} seen links, "
                   f"freed {pruned.freed_bytes // 1024} KiB, {written} files changed")

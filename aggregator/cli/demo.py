"""`aggregator demo`: the whole product on one machine without internet: a sample upstream on
127.0.0.1 (aggregator.demo), ingested into a throwaway data dir, published and served."""

from __future__ import annotations

import asyncio
import shutil
import signal
import tempfile
from pathlib import Path

import click

from .base import Context, cli, pass_ctx


async def _upstream(base_holder: dict) -> tuple[object, str]:
    """Start the sample upstream on a free 127.0.0.1 port; returns (runner, base URL)."""
    from aiohttp import web

    from ..demo import upstream_files

    files: dict[str, tuple[bytes, str]] = {}

    async def handle(request: web.Request) -> web.StreamResponse:
        found = files.get(request.path)
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    files.update(upstream_files(base))
    base_holder["base"] = base
    return runner, base


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Where to serve the demo site (0: any free port).")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the demo's data dir here instead of a temporary one.")
@pass_ctx
def demo(ctx: Context, port: int, keep: Path | None) -> None:
    """Run a self-contained demo: a sample upstream on 127.0.0.1 (feeds, a summary-only feed, a GBK
    column page, a story two outlets carry), ingested into a throwaway data dir, published and
    served. Prints the URLs to open; Ctrl-C stops it and removes the data.

    Example:

    \b
        aggregator demo
        aggregator demo --port 0 --keep /tmp/demo-data
    """
    from .. import store
    from ..config import Config
    from ..model import Source
    from ..pipeline import publish_site, record_served, run_cycle
    from ..serve import bind, start_server
    from .base import setup_logging

    setup_logging("WARNING")
    data = keep or Path(tempfile.mkdtemp(prefix="aggregator-demo-"))
    # Private networks allowed: the upstream is this machine. No politeness delay: it is ours.
    config = Config(data_dir=data, site_name=f"{ctx.config.site_name}（演示）", allow_private_networks=True,
                    host_delay=0, parse_workers=1, disclaimer=ctx.config.disclaimer)
    try:
        sock = bind("127.0.0.1", port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    db = store.open_db(config.db_path)
    config = record_served(db, config, "127.0.0.1", sock.getsockname()[1])

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        holder: dict = {}
        upstream, base = await _upstream(holder)
        sources = [("/rss/shizheng.xml", "时政要闻", "feed"), ("/rss/portal.xml", "时政要闻", "feed"),
                   ("/rss/brief.xml", "快讯", "feed"), ("/ffjs/", "反腐纪实", "page")]
        if not store.list_sources(db):
            for path, category, kind in sources:
                slug = store.ensure_category(db, category).slug
                # The brief feed gives one sentence per item: its articles' pages are read (full text).
                store.add_source(db, Source(id=None, url=f"{base}{path}", category=slug, kind=kind,
                                            full_text="auto" if path == "/rss/brief.xml" else "never"))
        else:  # a kept data dir: the upstream has a new port
            for source, (path, _, _) in zip(store.list_sources(db), sources):
                store.update_source(db, source.id, url=f"{base}{path}", etag=None, last_modified=None,
                                    content_hash=None)
        report = await run_cycle(db, config, store.list_sources(db, enabled_only=True))
        publish_site(db, config)
        runner = await start_server(config, db, sock)
        site = config.base_url
        new = sum(o.new for o in report.outcomes)
        click.echo(f"demo: {len(report.outcomes)} sample sources fetched from {base}, {new} articles stored in {data}")
        click.echo(f"open {site}  (index)")
        click.echo(f"     {site}categories/shizhengyaowen  (a category; the first story lists the outlet that "
                   f"reprinted it: 同时刊载于)")
        click.echo(f"     {site}categories/kuaixun  (full text fetched behind a summary-only feed)")
        click.echo(f"     {site}categories/fanfujishi  (a GBK column page; its first article joined from two pages)")
        click.echo(f"     {site}search?q=纪委  {site}feeds/all.rss  {site}feeds/all.json  {site}opml  {site}metrics")
        click.echo("Ctrl-C to stop" + ("" if keep else " (the demo's data is removed)"), err=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            await upstream.cleanup()

    try:
        asyncio.run(main())
    finally:
        db.close()
        if keep is None:
            shutil.rmtree(data, ignore_errors=True)

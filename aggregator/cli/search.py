"""`aggregator search`: find stored articles by words in their title or body (Chinese included)."""

from __future__ import annotations

import json
import re

import click

from .. import store
from .base import Context, cli, pass_ctx

_MARK = re.compile(r"</?mark>")


@cli.command()
@click.argument("query")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True, help="Results per page.")
@click.option("--page", type=click.IntRange(1, 100_000), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object: total and the results.")
@pass_ctx
def search(ctx: Context, query: str, limit: int, page: int, as_json: bool) -> None:
    """Search titles and bodies, newest first; every word of QUERY must occur (纪委 巡视).

    Example:

    \b
        aggregator search 纪委
        aggregator search "巡视 整改" --json --limit 5
    """
    if not query.strip():
        raise click.BadParameter("give at least one word to look for", param_hint="QUERY")
    total, hits = store.search(ctx.db, query, limit=limit, offset=(page - 1) * limit)
    if as_json:
        click.echo(json.dumps({"query": query, "total": total, "page": page, "results": [
            {"id": h.id, "title": h.title, "published": h.published, "origin": h.origin, "snippet_html": h.snippet_html}
            for h in hits]}, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(f"no article contains {query!r}" if total == 0 else f"no results on page {page} ({total} in all)")
        return
    click.echo(f"{total} articles contain {query!r}; newest first:")
    for hit in hits:
        snippet = _MARK.sub("", hit.snippet_html)
        click.echo(f"{hit.published[:10]}  {hit.id}  {hit.title}  ({hit.origin or '-'})\n    {snippet}")

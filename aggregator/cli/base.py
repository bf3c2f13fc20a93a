"""The command group, its global options, and helpers shared by the commands."""

from __future__ import annotations

import importlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..config import Config, load_config

if TYPE_CHECKING:
    from sqlite_utils import Database

# The commands and the module defining each, with its one-line help. Modules are imported only
# when their command runs, so `aggregator --help` and `aggregator sources list` do not pay for
# aiohttp, jinja2, trafilatura or the parsers (tests/cli/test_startup.py keeps these lines equal
# to the commands' own help).
LAZY_COMMANDS = {
    "blocklist": ("takedowns", "Keep out every item from a 来源, a domain or a URL pattern."),
    "categories": ("categories", "Manage categories: an ASCII slug for URLs and a display name."),
    "demo": ("demo", "Run a self-contained demo: a sample upstream on 127.0.0.1 (feeds, a summary-only feed, a GBK "
                     "column page, a story two outlets carry), ingested into a throwaway data dir, published and "
                     "served."),
    "extract": ("pages", "Extract the article of one page (a local file or a URL) and print it, normalized."),
    "fetch": ("run", "Run one ingest cycle now over all enabled sources (or the given ids), then publish what "
                     "changed."),
    "health": ("run", "Summarise source health: counts by status, failing and suspicious sources, last publish."),
    "prune": ("run", "Remove articles older than the retention age that no feed still shows, with their "
                     "sightings and seen links; their links are remembered, so they never return as new."),
    "publish": ("run", "Rewrite every feed and page from the database (files with the same bytes are kept)."),
    "rules": ("rules", "Category rules: add articles to a category, or keep them out, by title, body, 来源 or URL."),
    "run": ("run", "Run the daemon: scheduled fetching of every enabled source, publishing, and the server."),
    "search": ("search", "Search titles and bodies, newest first; every word of QUERY must occur (纪委 巡视)."),
    "serve": ("run", "Serve the published feeds and pages over HTTP until interrupted."),
    "sources": ("sources", "Manage the upstream sources (feeds and HTML pages) and their schedule."),
    "takedown": ("takedowns", "Remove an article, with every outlet's copy, for good; list what was removed."),
}


# `sources test` lives with the other dry runs (pages), which need the fetcher and the parsers.
SOURCES_LAZY = {
    "test": ("pages", "Dry-run a source before adding it: the items of a feed, or the links of a listing page "
                      "and the fields extracted from its first articles."),
}


class LazyGroup(click.Group):
    """A group whose commands' modules are imported when a command is asked for: `lazy` maps a
    command name to (module in aggregator.cli, its one-line help)."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            importlib.import_module(f"{__package__}.{self.lazy[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            summary = self.lazy.get(name, ("", ""))[1]
            text = command.get_short_help_str(limit) if command is not None else (
                summary if len(summary) <= limit else summary[:limit - 3].rsplit(" ", 1)[0] + "...")
            rows.append((name, text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def load_all() -> None:
    """Import every command's module (for tools that walk the whole command tree)."""
    for module in sorted({m for m, _ in LAZY_COMMANDS.values()} | {m for m, _ in SOURCES_LAZY.values()}):
        importlib.import_module(f"{__package__}.{module}")


@dataclass
class Context:
    """What every command gets: the settings, and the database opened on first use."""

    config: Config
    _db: Database | None = None

    @property
    def db(self) -> Database:
        """The database, opened (and migrated) on first use."""
        from .. import store

        if self._db is None:
            self._db = store.open_db(self.config.db_path)
        return self._db


pass_ctx = click.make_pass_decorator(Context)


def setup_logging(level: str) -> None:
    """Structured-enough logs on stderr: time, level, logger, key=value message."""
    logging.basicConfig(level=getattr(logging, level), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True)


@click.group(cls=LazyGroup, lazy=LAZY_COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Settings file (default: ./aggregator.toml if present).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="AGGREGATOR_DATA_DIR",
              help="Where the database and published files live (default: ./data).")
@click.option("-v", "--verbose", is_flag=True, help="Log every fetch and publish to stderr.")
@click.version_option("0.1.0", prog_name="aggregator")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, data_dir: Path | None, verbose: bool) -> None:
    """Pull news feeds into one SQLite database and republish them per category.

    Every republished item carries its origin, its original link and the
    site's copyright notice.

    Example:

    \b
        aggregator sources add https://example.org/rss.xml --category 反腐纪实
        aggregator fetch && aggregator serve
    """
    config = load_config(config_path, data_dir=data_dir)
    setup_logging("DEBUG" if verbose else "WARNING")
    ctx.obj = Context(config)
    ctx.call_on_close(lambda: ctx.obj._db.close() if ctx.obj._db is not None else None)


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain text table, columns sized to content (wide CJK characters count double)."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    cells = [headers] + rows
    widths = [max(width(str(r[i])) for r in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        lines.append("  ".join(str(c) + " " * (widths[i] - width(str(c))) for i, c in enumerate(row)).rstrip())
    return "\n".join(lines)

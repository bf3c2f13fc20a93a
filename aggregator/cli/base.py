"""The command group, its global options, and helpers shared by the commands."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import click
from sqlite_utils import Database

from .. import store
from ..config import Config, load_config


@dataclass
class Context:
    """What every command gets: the settings, and the database opened on first use."""

    config: Config
    _db: Database | None = None

    @property
    def db(self) -> Database:
        """The database, opened (and migrated) on first use."""
        if self._db is None:
            self._db = store.open_db(self.config.db_path)
        return self._db


pass_ctx = click.make_pass_decorator(Context)


def setup_logging(level: str) -> None:
    """Structured-enough logs on stderr: time, level, logger, key=value message."""
    logging.basicConfig(level=getattr(logging, level), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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

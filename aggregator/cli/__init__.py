"""The `aggregator` command: a click group; errors become one line and an exit code.

Exit codes, one rule for every command:
  0  success;
  2  bad input from the person: usage, a bad URL, option value or setting, an id or slug
     that does not exist, a file that cannot be read as TOML/OPML, an argument that is
     not valid UTF-8;
  1  runtime trouble: the port is taken, the data dir is locked, a database or disk
     error, --strict with failed sources.
"""

from __future__ import annotations

import sys

import click

from ..errors import AggregatorError, CatalogError, ConfigError, NotFoundError, RejectedError
from .base import cli, load_all

__all__ = ["cli", "main", "load_all"]


BAD_INPUT = (ConfigError, CatalogError, NotFoundError, RejectedError)


def _undecodable(args: list[str]) -> str | None:
    """The first argument holding bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    for arg in args:
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            return arg.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
    return None


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and of `python -m aggregator`."""
    args = sys.argv[1:] if argv is None else argv
    bad = _undecodable(args)
    if bad is not None:
        click.echo(f"error: argument is not valid UTF-8: {bad}", err=True)
        sys.exit(2)
    try:
        code = cli.main(args=args, prog_name="aggregator", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        code = 1
    except click.UsageError as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        code = 2
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        code = exc.exit_code
    except BAD_INPUT as exc:
        click.echo(f"error: {exc}", err=True)
        code = 2
    except AggregatorError as exc:
        click.echo(f"error: {exc}", err=True)
        code = 1
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    sys.exit(code if isinstance(code, int) else 0)

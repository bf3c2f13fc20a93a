"""The `aggregator` command: a click group; errors become one line and an exit code.

Exit codes: 0 success; 1 the command ran into a runtime problem (no such source,
the port is taken, --strict with failed sources); 2 bad input (usage, a bad URL or
option value, a bad setting).
"""

from __future__ import annotations

import sys

import click

from ..errors import AggregatorError, ConfigError
from .base import cli
from . import categories as _categories  # noqa: F401  (registers commands)
from . import pages as _pages  # noqa: F401
from . import run as _run  # noqa: F401
from . import sources as _sources  # noqa: F401

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and of `python -m aggregator`."""
    try:
        code = cli.main(args=argv, prog_name="aggregator", standalone_mode=False)
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
    except ConfigError as exc:
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

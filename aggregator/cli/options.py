"""Options shared by several commands, as decorators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..catalog import check_selectors
from ..model import Selectors

_SELECTOR_OPTIONS = (
    ("--link-selector", "links", "CSS selector of the article links on a listing page."),
    ("--title-selector", "title", "CSS selector of an article page's title."),
    ("--body-selector", "body", "CSS selector of an article page's body."),
    ("--date-selector", "date", "CSS selector of the element holding the publish time."),
    ("--author-selector", "author", "CSS selector of the element holding the author (作者)."),
    ("--origin-selector", "origin", "CSS selector of the element holding the origin (来源)."),
    ("--url-pattern", "url_pattern", "Regular expression that article links must match."),
    ("--encoding", "encoding", "Decode this source's pages with this charset (e.g. gbk), whatever they declare."),
)


# A source id: SQLite integers are 64-bit; a bigger number is bad input, not an OverflowError.
SOURCE_ID = click.IntRange(1, 2**63 - 1)


def nonempty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse an empty or blank option value (e.g. --category '') as bad input."""
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty")
    return value


def selector_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the page-source overrides (--link-selector ... --encoding) to a command."""
    for flag, name, help_text in reversed(_SELECTOR_OPTIONS):
        func = click.option(flag, f"sel_{name}", help=help_text)(func)
    return func


def selectors_from(options: dict[str, Any]) -> Selectors:
    """Pop the selector options out of a command's keyword arguments and check them (exit 2 if bad)."""
    values = {name: options.pop(f"sel_{name}") for _, name, _ in _SELECTOR_OPTIONS}
    try:
        return check_selectors({k: v for k, v in values.items() if v})
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None

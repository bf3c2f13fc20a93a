"""The Jinja2 environment: autoescaped templates shipped inside the package."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


# What pages and feeds show when an article names no author or origin (the seed shows 佚名).
ANONYMOUS = "佚名"
ORIGIN_UNKNOWN = "网络"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """One shared environment; autoescape on for every template."""
    env = Environment(
        loader=PackageLoader("aggregator.publish", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(ANONYMOUS=ANONYMOUS, ORIGIN_UNKNOWN=ORIGIN_UNKNOWN)
    return env

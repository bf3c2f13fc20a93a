"""The Jinja2 environment: autoescaped templates shipped inside the package."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@lru_cache(maxsize=1)
def environment() -> Environment:
    """One shared environment; autoescape on for every template."""
    return Environment(
        loader=PackageLoader("aggregator.publish", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

"""A news aggregator: upstream feeds in, per-category RSS and Atom out, each item attributed.

The public API is what __all__ lists; everything else may change between versions.
"""

from .config import Config, load_config
from .errors import (AggregatorError, CatalogError, ConfigError, ExtractError, FetchError, NotAFeedError,
                     NotFoundError, ParseError, PublishError, StoreError)
from .model import Article, Category, FetchResult, ParsedFeed, RawItem, Source

__version__ = "0.1.0"

__all__ = [
    "__version__", "Config", "load_config", "Article", "Category", "FetchResult", "ParsedFeed", "RawItem",
    "Source", "AggregatorError", "CatalogError", "ConfigError", "ExtractError", "FetchError", "NotAFeedError",
    "NotFoundError", "ParseError", "PublishError", "StoreError",
]

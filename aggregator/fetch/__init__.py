"""Fetch: HTTP with conditional GET, limits, and the private-address guard."""

from .client import Fetcher, parse_retry_after
from .guard import is_public

__all__ = ["Fetcher", "parse_retry_after", "is_public"]

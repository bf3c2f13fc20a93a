"""Normalize: RawItems into Articles; sanitizing is always the last step."""

from .article import SourceContext, author_name, clean_title, normalize_item
from .fingerprint import content_hash, normalized_text
from .images import resolve_lazy_images
from .sanitize import plain_text, sanitize_html
from .similarity import SIGNATURE_VERSION
from .urls import absolute_url, canonical_url

__all__ = ["SourceContext", "normalize_item", "clean_title", "author_name", "sanitize_html",
           "plain_text", "canonical_url", "absolute_url", "SIGNATURE_VERSION",
           "content_hash", "normalized_text", "resolve_lazy_images"]

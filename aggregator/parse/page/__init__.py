"""One article page -> RawItem: title, byline (time, author, origin), body, original link.

Modules by job: dom (loading, visible text), meta (<meta>, JSON-LD), title, byline,
fields (choosing a date and an author from the evidence), body (the container),
clean (the body without chrome), kind (article or listing?), select (per-source
CSS overrides), pages (the continuation pages of a split article), extract (putting them together).
"""

from .extract import extract_article, looks_like_listing
from .pages import MAX_PAGES, page_continuations, page_number

__all__ = ["extract_article", "looks_like_listing", "MAX_PAGES", "page_continuations", "page_number"]

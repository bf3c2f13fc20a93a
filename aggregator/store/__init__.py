"""Store: the one SQLite database. All SQL of the project lives in this package."""

from .articles import (UpsertResult, all_article_ids, articles_by_ids, count_articles, get_article,
                       latest_articles, upsert_articles)
from .categories import (MAX_CATEGORY_NAME, RESERVED_SLUGS, add_category, check_category_name, ensure_category,
                         get_category, is_slug, list_categories, require_category, slugify)
from .db import get_meta, integrity_ok, open_db, set_meta
from .db import writing as transaction
from .health import FETCH_LOG_KEEP, fetch_log, health_summary, log_fetch
from .pages import forget_links, mark_link, unseen_links
from .sources import (add_source, article_counts, find_source_by_url, get_source, list_sources,
                      record_failure, record_success, remove_source, update_source)

__all__ = [
    "UpsertResult", "all_article_ids", "articles_by_ids", "count_articles", "get_article", "latest_articles",
    "upsert_articles", "MAX_CATEGORY_NAME", "check_category_name", "RESERVED_SLUGS", "add_category",
    "ensure_category", "get_category", "is_slug",
    "list_categories", "require_category", "slugify", "get_meta", "integrity_ok", "open_db", "set_meta",
    "add_source", "article_counts", "find_source_by_url", "get_source", "list_sources", "record_failure",
    "record_success", "remove_source", "update_source", "FETCH_LOG_KEEP", "fetch_log", "health_summary",
    "log_fetch", "transaction", "forget_links", "mark_link", "unseen_links",
]

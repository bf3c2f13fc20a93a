"""Store: the one SQLite database. All SQL of the project lives in this package."""

from .articles import (UpsertResult, all_article_ids, articles_by_ids, count_articles, get_article,
                       latest_articles, upsert_articles)
from .clusters import check_format as check_fingerprint_format
from .categories import (MAX_CATEGORY_NAME, RESERVED_SLUGS, add_category, check_category_name, ensure_category,
                         get_category, is_slug, list_categories, merge_categories, remove_category,
                         rename_category, require_category, slugify)
from .db import WriteGroup, delete_meta, get_meta, integrity_ok, open_db, set_meta
from .db import writing as transaction
from .health import FETCH_LOG_KEEP, fetch_log, health_summary, log_fetch
from .pages import forget_links, mark_link, unseen_links
from .takedowns import Removed, add_block, find_article_id, list_takedowns, remove_block, take_down, taken_down
from .gate import BLOCK_FIELDS, blocklist
from .articles import apply_rules, delete_articles, iter_articles, recent_articles
from .rules import RULE_FIELDS, Rule, RuleSet, add_rule, check_rule, list_rules, plan as plan_rules, remove_rule, rule_set
from .retention import Pruned, enable_incremental_vacuum, prune
from .fulltext import MAX_ATTEMPTS as FULL_TEXT_ATTEMPTS
from .fulltext import FullText, recall as recall_full_text, remember as remember_full_text
from .media import MAX_ATTEMPTS as MEDIA_ATTEMPTS
from .media import MediaUrl, forget as forget_media, lookup as media_lookup, record as record_media
from .media import referenced as referenced_media
from .served import record_served, resolve_base_url
from .search import Hit as SearchHit, index_form as search_index_form, search
from .sources import (add_source, article_counts, find_source_by_url, get_source, list_sources,
                      record_failure, record_success, remove_source, source_json, update_source)

__all__ = [
    "UpsertResult", "check_fingerprint_format", "all_article_ids", "articles_by_ids", "count_articles", "get_article", "latest_articles",
    "upsert_articles", "MAX_CATEGORY_NAME", "check_category_name", "RESERVED_SLUGS", "add_category",
    "ensure_category", "get_category", "is_slug",
    "list_categories", "require_category", "slugify", "WriteGroup", "delete_meta", "get_meta", "integrity_ok", "open_db", "set_meta",
    "add_source", "article_counts", "find_source_by_url", "get_source", "list_sources", "record_failure",
    "record_success", "remove_source", "source_json", "update_source", "FETCH_LOG_KEEP", "fetch_log", "health_summary",
    "log_fetch", "transaction", "forget_links", "mark_link", "unseen_links", "Removed", "add_block",
    "find_article_id", "list_takedowns", "remove_block", "take_down", "taken_down", "BLOCK_FIELDS", "blocklist",
    "delete_articles", "apply_rules", "iter_articles", "recent_articles", "RULE_FIELDS", "Rule", "RuleSet", "add_rule", "check_rule",
    "list_rules", "plan_rules", "remove_rule", "rule_set", "merge_categories", "remove_category", "rename_category",
    "Pruned", "enable_incremental_vacuum", "prune", "FullText", "FULL_TEXT_ATTEMPTS", "recall_full_text", "remember_full_text", "record_served", "resolve_base_url", "SearchHit", "search", "search_index_form",
    "MEDIA_ATTEMPTS", "MediaUrl", "forget_media", "media_lookup", "record_media", "referenced_media",
]

"""Categories: an ASCII URL slug and a display name; unknown names are created on demand."""

from __future__ import annotations

import re

from sqlite_utils import Database

from ..errors import NotFoundError, RejectedError
from ..model import Category, to_iso, utcnow
from .db import translate_errors, writing

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = {"all"}  # /feeds/all.rss is every category together
MAX_CATEGORY_NAME = 64  # a display name is a column title in the breadcrumb and the feed titles


def check_category_name(name: str) -> str:
    """The display name stripped, or ValueError: empty, too long, or holding a control character
    (one such character would make every feed naming the category unwritable)."""
    text = (name or "").strip()
    if not text:
        raise ValueError("a category needs a non-empty name")
    bad = next((ch for ch in text if not ch.isprintable()), None)
    if bad is not None:
        raise ValueError(f"the category name {text!r} contains the control character U+{ord(bad):04X}")
    if len(text) > MAX_CATEGORY_NAME:
        raise ValueError(f"a category name has at most {MAX_CATEGORY_NAME} characters, got {len(text)}")
    return text


def is_slug(text: str) -> bool:
    """True for a lower-case ASCII slug such as "fanfu-jishi"."""
    return bool(_SLUG.match(text))


def slugify(name: str) -> str:
    """An ASCII slug for a display name; Chinese becomes pinyin: 反腐纪实 -> fanfujishi."""
    from pypinyin import lazy_pinyin  # its dictionaries take 0.2 s to load: only when a slug is made

    # Syllables read best joined (fanfujishi); hyphens only where the name had separators.
    latin = re.sub(r"[^a-z0-9]+", "-", "".join(lazy_pinyin(name.strip())).lower()).strip("-")
    return latin or "category"


def _row(row: dict) -> Category:
    return Category(slug=row["slug"], name=row["name"])


def get_category(db: Database, slug_or_name: str) -> Category | None:
    """The category whose slug or display name is `slug_or_name`."""
    rows = list(db.query("select slug, name from categories where slug = ? or name = ? order by slug = ? desc",
                         [slug_or_name, slug_or_name, slug_or_name]))
    return _row(rows[0]) if rows else None


@translate_errors
def add_category(db: Database, slug: str, name: str) -> Category:
    """Create a category, or rename it if the slug exists; the slug must be ASCII."""
    if not is_slug(slug):
        raise RejectedError(f"'{slug}' is not a slug: use lower-case letters, digits and hyphens")
    if slug in RESERVED_SLUGS:
        raise RejectedError(f"'{slug}' is reserved (it is the feed of all categories)")
    try:
        name = check_category_name(name)
    except ValueError as exc:
        raise RejectedError(str(exc)) from None
    with writing(db):
        # Two columns with one display name would show twice on the index, and --category NAME
        # could not tell them apart.
        twin = db.execute("select slug from categories where name = ? and slug != ?", [name, slug]).fetchone()
        if twin:
            raise RejectedError(f"the name {name!r} is already category '{twin[0]}'; "
                                f"rename that one, or use --category {twin[0]}")
        existing = db.execute("select slug from categories where slug = ?", [slug]).fetchone()
        if existing:
            db["categories"].update(slug, {"name": name})
        else:
            db["categories"].insert({"slug": slug, "name": name, "created_at": to_iso(utcnow())})
    return Category(slug, name)


def ensure_category(db: Database, slug_or_name: str) -> Category:
    """The category named by slug or display name, created (slug derived) when unknown."""
    text = slug_or_name.strip()
    if not text:
        raise RejectedError("a category needs a name or slug")
    found = get_category(db, text)
    if found:
        return found
    base = text if is_slug(text) else slugify(text)
    if base in RESERVED_SLUGS:
        base = f"{base}-1"
    slug, n = base, 2
    while db.execute("select 1 from categories where slug = ?", [slug]).fetchone():
        slug, n = f"{base}-{n}", n + 1
    return add_category(db, slug, text)


def list_categories(db: Database) -> list[dict]:
    """Every category with its number of sources and articles, by slug."""
    return list(db.query(
        """select c.slug, c.name, c.created_at,
                  (select count(*) from sources s where s.category = c.slug) as sources,
                  (select count(*) from article_categories m where m.category = c.slug) as articles
           from categories c order by c.slug"""))


def require_category(db: Database, slug: str) -> Category:
    """The category with this slug, or NotFoundError."""
    found = get_category(db, slug)
    if found is None or found.slug != slug:
        raise NotFoundError(f"no category with slug '{slug}'")
    return found


@translate_errors
def rename_category(db: Database, slug: str, name: str) -> Category:
    """Give an existing category another display name (its slug, and so its URLs, stay)."""
    require_category(db, slug)
    return add_category(db, slug, name)


def _drop(db: Database, slug: str) -> None:
    db.execute("delete from rules where category = ?", [slug])
    db.execute("delete from article_categories where category = ?", [slug])
    db.execute("delete from categories where slug = ?", [slug])


@translate_errors
def remove_category(db: Database, slug: str) -> int:
    """Delete a category with its rules; its articles stay reachable through their other categories
    and "all". Refused while sources file new articles into it. Returns how many articles had it as
    their home (they keep it as a label until a rule or merge places them)."""
    require_category(db, slug)
    with writing(db):
        sources = db.execute("select count(*) from sources where category = ?", [slug]).fetchone()[0]
        if sources:
            raise RejectedError(f"category '{slug}' still has {sources} sources: merge it into another "
                                f"(aggregator categories merge {slug} OTHER) or remove them first")
        homed = db.execute("select count(*) from articles where category = ?", [slug]).fetchone()[0]
        _drop(db, slug)
    return homed


@translate_errors
def merge_categories(db: Database, source: str, into: str) -> int:
    """Move everything of category `source` (sources, articles, rules) into `into`, then delete
    `source`. Returns how many articles were in `source`."""
    if source == into:
        raise RejectedError("a category cannot be merged into itself")
    require_category(db, source)
    require_category(db, into)
    with writing(db):
        moved = db.execute("select count(*) from article_categories where category = ?", [source]).fetchone()[0]
        db.execute("update sources set category = ? where category = ?", [into, source])
        db.execute("update articles set category = ? where category = ?", [into, source])
        db.execute("""insert or ignore into article_categories (article_id, category, published)
                      select article_id, ?, published from article_categories where category = ?""", [into, source])
        db.execute("update or ignore rules set category = ? where category = ?", [into, source])
        _drop(db, source)
    return moved

"""Category rules: which categories an article is in, beyond its source's.

An article starts in its source's category (its home). An include rule adds its category when its
pattern is found in the article's title, body, 来源 or URL; an exclude rule keeps its category out
even when the home or another rule would put the article there. Exclusion wins. Patterns are plain
substrings by default (case-insensitive for Latin letters; Chinese is matched character for
character, with no word segmentation to surprise anyone), or Python regular expressions.

The membership is stored (article_categories), so feeds read it from an index. Rules apply to new
articles as they are stored, and to every stored article when rules change or on `publish`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlite_utils import Database

from ..errors import NotFoundError, RejectedError
from ..model import Article, to_iso, utcnow
from .db import translate_errors, writing
from .search import plain

RULE_FIELDS = ("title", "body", "origin", "url")
MAX_PATTERN = 500


@dataclass(frozen=True)
class Rule:
    """One rule: PATTERN found in FIELD adds (or with exclude, keeps out) CATEGORY."""

    id: int | None
    category: str
    pattern: str
    field: str = "title"
    regex: bool = False
    exclude: bool = False
    origin: str = "cli"  # cli | catalog: where it was written

    def compiled(self) -> re.Pattern:
        """The pattern as a regular expression (a plain one escaped, case-insensitive)."""
        if self.regex:
            return re.compile(self.pattern)
        return re.compile(re.escape(self.pattern), re.IGNORECASE)


def check_rule(rule: Rule) -> Rule:
    """The rule, or RejectedError naming what is wrong with it."""
    if rule.field not in RULE_FIELDS:
        raise RejectedError(f"a rule looks at {', '.join(RULE_FIELDS)}, not {rule.field!r}")
    pattern = rule.pattern.strip() if not rule.regex else rule.pattern
    if not pattern.strip():
        raise RejectedError("a rule needs a non-empty pattern")
    if len(pattern) > MAX_PATTERN:
        raise RejectedError(f"a rule's pattern has at most {MAX_PATTERN} characters")
    if rule.regex:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RejectedError(f"the regular expression {pattern!r} does not compile: {exc}") from None
    return Rule(rule.id, rule.category, pattern, rule.field, rule.regex, rule.exclude, rule.origin)


def _text(article: Article, field: str) -> list[str]:
    if field == "title":
        return [article.title or ""]
    if field == "origin":
        return [article.origin or ""]
    if field == "url":
        return [u for u in (article.url, article.origin_url) if u]
    return [plain(article.content_html)]


class RuleSet:
    """The rules compiled once, for many articles."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = [(rule, rule.compiled()) for rule in rules]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def categories(self, article: Article, home: str | None = None) -> set[str]:
        """The categories the article belongs in: its home, plus what include rules add, minus
        what exclude rules keep out."""
        include = {home or article.category}
        exclude = set()
        cache: dict[str, list[str]] = {}
        for rule, pattern in self.rules:
            texts = cache.setdefault(rule.field, _text(article, rule.field))
            if any(pattern.search(text) for text in texts):
                (exclude if rule.exclude else include).add(rule.category)
        return include - exclude


def _row(row: dict) -> Rule:
    return Rule(row["id"], row["category"], row["pattern"], row["field"], bool(row["regex"]), bool(row["exclude"]),
                row["origin"])


def list_rules(db: Database) -> list[Rule]:
    """Every rule, by id."""
    return [_row(r) for r in db.query("select * from rules order by id")]


def rule_set(db: Database) -> RuleSet:
    """The stored rules, compiled."""
    return RuleSet(list_rules(db))


@translate_errors
def add_rule(db: Database, rule: Rule) -> Rule:
    """Store a rule (its category must exist); an identical rule is not stored twice."""
    rule = check_rule(rule)
    with writing(db):
        if not db.execute("select 1 from categories where slug = ?", [rule.category]).fetchone():
            raise NotFoundError(f"no category with slug '{rule.category}'")
        same = db.execute("""select id from rules where category = ? and pattern = ? and field = ? and regex = ?
                             and exclude = ?""",
                          [rule.category, rule.pattern, rule.field, int(rule.regex), int(rule.exclude)]).fetchone()
        if same:
            return Rule(same[0], rule.category, rule.pattern, rule.field, rule.regex, rule.exclude, rule.origin)
        cursor = db.execute(
            "insert into rules (category, pattern, field, regex, exclude, origin, created_at) values (?, ?, ?, ?, ?, ?, ?)",
            [rule.category, rule.pattern, rule.field, int(rule.regex), int(rule.exclude), rule.origin,
             to_iso(utcnow())])
    return Rule(cursor.lastrowid, rule.category, rule.pattern, rule.field, rule.regex, rule.exclude, rule.origin)


@translate_errors
def remove_rule(db: Database, rule_id: int) -> Rule:
    """Delete a rule; NotFoundError when there is none with this id."""
    with writing(db):
        rows = list(db.query("select * from rules where id = ?", [rule_id]))
        if not rows:
            raise NotFoundError(f"no rule with id {rule_id}")
        db.execute("delete from rules where id = ?", [rule_id])
    return _row(rows[0])


@dataclass
class Moves:
    """What applying rules changed: (article id, category) pairs added and removed."""

    added: list[tuple[str, str]]
    removed: list[tuple[str, str]]

    @property
    def categories(self) -> set[str]:
        return {c for _, c in self.added} | {c for _, c in self.removed}

    @property
    def article_ids(self) -> set[str]:
        return {a for a, _ in self.added} | {a for a, _ in self.removed}


def memberships(db: Database, ids: list[str]) -> dict[str, set[str]]:
    """The categories each of these articles is in now."""
    found: dict[str, set[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for article_id, category in db.execute(
                f"select article_id, category from article_categories where article_id in ({','.join('?' * len(chunk))})",
                chunk):
            found.setdefault(article_id, set()).add(category)
    return found


def plan(db: Database, rules: RuleSet, articles: list[Article]) -> Moves:
    """How the memberships of these articles would change under `rules` (nothing is written)."""
    current = memberships(db, [a.id for a in articles])
    known = {r[0] for r in db.execute("select slug from categories")}
    moves = Moves([], [])
    for article in articles:
        wanted = {c for c in rules.categories(article) if c in known}
        have = current.get(article.id, set())
        moves.added += [(article.id, c) for c in sorted(wanted - have)]
        moves.removed += [(article.id, c) for c in sorted(have - wanted)]
    return moves

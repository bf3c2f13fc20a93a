"""Full-text search over titles and bodies, Chinese included, in SQLite FTS5.

FTS5's unicode61 tokenizer takes a run of Chinese characters for one word, and its trigram
tokenizer cannot find a two-character word such as 纪委 or 巡视. A word segmenter (jieba) would
split the text into dictionary words, but then a query only matches where the segmenter cut the
text the same way ("省纪委监委" may come out as 省纪委/监委). Instead every run of Chinese characters
is indexed as its overlapping character pairs (纪委监委 -> 纪委 委监 监委), and a query becomes the
phrase of its own pairs: a match is then exactly a substring match, for any query of two or more
characters, with no dictionary to keep up to date. Latin words and numbers are indexed as words.
A one-character query falls back to a scan of titles.

The index is written in the same transaction as the article (store.articles calls index_article
and unindex_article), so search never shows an article that is not stored or misses one that is.
"""

from __future__ import annotations

import html
import operator
import re
from dataclasses import dataclass

from sqlite_utils import Database

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
SNIPPET = 60  # characters of text around the first match


def plain(html_text: str) -> str:
    """The visible text of a stored body (tags dropped, entities resolved, spacing folded)."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", html_text or ""))).strip()


def grams(text: str) -> str:
    """The indexed form of a text: Chinese runs as overlapping pairs, other words as they are."""
    out: list[str] = []
    position = 0
    for match in _HAN.finditer(text):
        words = _WORD.findall(text, position, match.start())
        if words:
            out.append(" ".join(words).lower())
        run = match.group(0)
        # The pairs of a run, joined in C (map over operator.add): no Python frame per character,
        # which was most of indexing a body.
        out.append(" ".join(map(operator.add, run, run[1:])) if len(run) > 1 else run)
        position = match.end()
    words = _WORD.findall(text, position)
    if words:
        out.append(" ".join(words).lower())
    return " ".join(out)


def _phrase(query: str) -> str | None:
    """The FTS5 query for a user's query: every term must match, a Chinese term as the phrase of its
    pairs; None when no term has two characters."""
    terms = []
    for part in query.split():
        indexed = grams(part).split()
        if not indexed or (len(indexed) == 1 and len(indexed[0]) < 2 and _HAN.fullmatch(indexed[0])):
            continue
        terms.append('"' + " ".join(t.replace('"', '""') for t in indexed) + '"')
    return " AND ".join(terms) or None


def index_form(title: str, content_html: str) -> tuple[str, str, str, str]:
    """(title, body, their indexed forms): made ahead of time in a parse worker (Article.search_grams)."""
    return title, content_html, grams(title or ""), grams(plain(content_html))


def index_article(db: Database, article_id: str, title: str, content_html: str, *, new: bool = False,
                  made: tuple[str, str, str, str] | None = None) -> None:
    """(Re)index one article; the caller holds the article's write transaction. `new`: inserted in
    this transaction, so not indexed yet. `made`: index_form() of the article, used when it was
    made from this very title and body."""
    row = None if new else db.execute("select rowid from search_ids where article_id = ?", [article_id]).fetchone()
    if row is None:
        rowid = db.execute("insert into search_ids (article_id) values (?)", [article_id]).lastrowid
    else:
        rowid = row[0]
        db.execute("delete from article_search where rowid = ?", [rowid])
    if made is None or made[0] != title or made[1] != content_html:
        made = index_form(title, content_html)
    db.execute("insert into article_search (rowid, title, body) values (?, ?, ?)", [rowid, made[2], made[3]])


def unindex_article(db: Database, article_id: str) -> None:
    """Drop an article from the index (removed, or renamed by a re-key)."""
    row = db.execute("select rowid from search_ids where article_id = ?", [article_id]).fetchone()
    if row is not None:
        db.execute("delete from article_search where rowid = ?", [row[0]])
        db.execute("delete from search_ids where rowid = ?", [row[0]])


@dataclass
class Hit:
    """One search result: the article, when it was published, its 来源, and a snippet with the
    first match marked (HTML-escaped, the match in <mark>)."""

    id: str
    title: str
    published: str
    origin: str | None
    snippet_html: str
    title_html: str


def _mark(text: str, terms: list[str], width: int | None) -> str:
    """`text` escaped, cut around the first match when `width` is given, every match in <mark>."""
    lowered = text.lower()
    first = min((i for i in (lowered.find(t.lower()) for t in terms) if i >= 0), default=-1)
    if width is not None:
        start = max(0, first - width // 3) if first >= 0 else 0
        piece = text[start:start + width]
        text = ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
    escaped = html.escape(text)
    for term in sorted(set(terms), key=len, reverse=True):
        escaped = re.sub(re.escape(html.escape(term)), lambda m: f"<mark>{m.group(0)}</mark>", escaped, flags=re.I)
    return escaped


def search(db: Database, query: str, *, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]:
    """Articles whose title or body contains every term of `query`, newest first: (total, page)."""
    terms = [t for t in query.split() if t]
    if not terms:
        return 0, []
    fts = _phrase(query)
    if fts is not None:
        where = "a.id in (select s.article_id from search_ids s join article_search f on f.rowid = s.rowid " \
                "where article_search match ?)"
        params: list = [fts]
    else:  # one-character terms: a scan of the titles
        where = " and ".join("a.title like ?" for _ in terms)
        params = [f"%{t}%" for t in terms]
    total = db.execute(f"select count(*) from articles a where {where}", params).fetchone()[0]
    rows = db.execute(f"""select a.id, a.title, a.published, a.origin, a.content_html from articles a where {where}
                          order by a.published desc, a.id limit ? offset ?""", [*params, limit, offset]).fetchall()
    hits = [Hit(id=r[0], title=r[1], published=r[2], origin=r[3], snippet_html=_mark(plain(r[4]), terms, SNIPPET),
                title_html=_mark(r[1], terms, None)) for r in rows]
    return total, hits

"""Links found on listing pages: which were fetched, with what result, so none is fetched twice."""

from __future__ import annotations

from sqlite_utils import Database

from ..model import to_iso, utcnow
from .gate import was_pruned
from .db import translate_errors, writing

# A link whose article page failed to download is tried again on later cycles, this many times in all.
MAX_ATTEMPTS = 3


def unseen_links(db: Database, source_id: int, links: list[str]) -> list[str]:
    """The links (in the given order) not yet done for this source."""
    if not links:
        return []
    done: set[str] = set()
    for start in range(0, len(links), 500):
        chunk = links[start:start + 500]
        done.update(r[0] for r in db.execute(
            f"select url from seen_links where source_id = ? and done = 1 and url in ({','.join('?' * len(chunk))})",
            [source_id, *chunk]).fetchall())
    fresh = [link for link in links if link not in done]
    # A link whose article was taken down or pruned for age is not fetched again.
    return [link for link in fresh if not was_pruned(db, [link, f"url:{link}"])
            and not db.execute("select 1 from blocked where kind = 'url' and value = ?", [link]).fetchone()]


@translate_errors
def mark_link(db: Database, source_id: int, url: str, *, article_id: str | None = None,
              encoding: str | None = None, replaced: bool = False, error: str | None = None,
              permanent: bool = True) -> None:
    """Record one attempt at a link. Done when it gave an article or failed for good (not a transient
    fetch error), or after MAX_ATTEMPTS attempts."""
    now = to_iso(utcnow())
    with writing(db):
        row = db.execute("select attempts from seen_links where source_id = ? and url = ?", [source_id, url]).fetchone()
        attempts = (row[0] if row else 0) + 1
        done = article_id is not None or permanent or attempts >= MAX_ATTEMPTS
        values = {"source_id": source_id, "url": url, "last_attempt": now, "attempts": attempts, "done": int(done),
                  "article_id": article_id, "encoding": encoding, "replaced": int(replaced), "error": error}
        if row is None:
            db["seen_links"].insert(values | {"first_seen": now})
        else:
            db["seen_links"].update((source_id, url), values)


def forget_links(db: Database, source_id: int) -> int:
    """Forget every link of a source, so the next fetch takes its listing afresh ("unless asked")."""
    with writing(db):
        return db.execute("delete from seen_links where source_id = ?", [source_id]).rowcount


"""The persistent near-duplicate index: MinHash signatures and their LSH bands in SQLite.

normalize.similarity makes the signature (BANDS * ROWS unsigned 32-bit values); this module
stores it, cuts it into BANDS bands of ROWS values and keeps one row per (band hash, article) in
a table without rowids. Two signatures that agree on a whole band share that band's row key, so
the candidates for a new article are found by BANDS primary-key lookups whatever the table's size,
then confirmed by the estimated Jaccard similarity of the whole signatures (THRESHOLD).

Fingerprints of taken-down articles stay under the id "takedown:N", so a copy of a removed story
is recognised however it is reworded.
"""

from __future__ import annotations

import functools
import hashlib
import struct

from sqlite_utils import Database

from .db import writing

# A pair of stories with Jaccard similarity J shares at least one band with p = 1 - (1 - J**5)**24:
# > 0.9999 at 0.8, 0.99 at 0.7, 0.53 at 0.5; the candidates are then confirmed against THRESHOLD.
BANDS, ROWS = 24, 5
VALUES = BANDS * ROWS  # normalize.similarity.NUM_PERM
# Copies of one story measured 0.91-0.98 (Jaccard), different stories on one template 0.33, notices
# sharing a boilerplate paragraph 0.53 (tests/data/clusters). Nearer the top of the gap: a false merge hides
# a story, a missed one only shows it twice. The estimate's standard error at 0.8 is 0.037.
THRESHOLD = 0.8
_BAND_BYTES = ROWS * 4
TAKEDOWN_PREFIX = "takedown:"


@functools.lru_cache(maxsize=512)
def band_keys(signature: bytes) -> tuple[int, ...]:
    """One signed 64-bit key per band: the band's number and values hashed together. (Cached: a new
    article's keys are wanted twice, to look for its copies and to index it.)"""
    keys = []
    for band in range(BANDS):
        chunk = signature[band * _BAND_BYTES:(band + 1) * _BAND_BYTES]
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return tuple(keys)


def similarity(a: bytes, b: bytes) -> float:
    """The share of signature positions on which two signatures agree: an estimate of the Jaccard
    similarity of the two shingle sets (0.0 when either is missing)."""
    if len(a) != VALUES * 4 or len(b) != VALUES * 4:
        return 0.0
    left, right = struct.unpack(f"<{VALUES}I", a), struct.unpack(f"<{VALUES}I", b)
    return sum(x == y for x, y in zip(left, right)) / VALUES


def _valid(signature: bytes | None) -> bool:
    return bool(signature) and len(signature) == VALUES * 4


def signature_of(db: Database, article_id: str) -> bytes | None:
    """The stored signature of an article (or of "takedown:N")."""
    row = db.execute("select signature from fingerprints where article_id = ?", [article_id]).fetchone()
    return row[0] if row else None


def drop_signature(db: Database, article_id: str) -> None:
    """Forget an article's fingerprint and bands (its bands are found from the signature itself)."""
    old = signature_of(db, article_id)
    if old is None:
        return
    if _valid(old):
        db.conn.executemany("delete from lsh_bands where band = ? and article_id = ?",
                            [(key, article_id) for key in band_keys(old)])
    db.execute("delete from fingerprints where article_id = ?", [article_id])


def index_signature(db: Database, article_id: str, signature: bytes | None, *, new: bool = False) -> None:
    """Store (or replace) an article's fingerprint; an empty or malformed one only removes the old.
    `new`: the article was inserted in this transaction, so it has none yet to look up."""
    if not new:
        old = signature_of(db, article_id)
        if old == signature:
            return
        drop_signature(db, article_id)
    if not _valid(signature):
        return
    db.execute("insert into fingerprints (article_id, signature) values (?, ?)", [article_id, signature])
    db.conn.executemany("insert or ignore into lsh_bands (band, article_id) values (?, ?)",
                        [(key, article_id) for key in band_keys(signature)])


def similar(db: Database, signature: bytes | None, *, limit: int = 50) -> list[tuple[str, float]]:
    """Stored fingerprints of the same story as `signature`, best first: (article id, similarity)
    at or above THRESHOLD. At most `limit` candidates are confirmed, those sharing most bands first."""
    if not _valid(signature):
        return []
    keys = band_keys(signature)
    rows = db.execute(
        f"""select article_id, count(*) as shared from lsh_bands where band in ({','.join('?' * len(keys))})
            group by article_id order by shared desc, article_id limit ?""", [*keys, limit]).fetchall()
    found = []
    for article_id, _ in rows:
        score = similarity(signature, signature_of(db, article_id) or b"")
        if score >= THRESHOLD:
            found.append((article_id, score))
    found.sort(key=lambda pair: (-pair[1], pair[0]))
    return found


FORMAT_KEY = "fingerprint_format"


def check_format(db: Database, version: str) -> bool:
    """Signatures made another way (shingle size, permutations, seed) cannot be compared with new
    ones: when the format changed, drop them all (articles get theirs again when next seen; the
    links and body hashes of takedowns still block). True when something was dropped."""
    row = db.execute("select value from meta where key = ?", [FORMAT_KEY]).fetchone()
    if row is not None and row[0] == version:
        return False
    with writing(db):
        dropped = db.execute("select count(*) from fingerprints").fetchone()[0]
        db.execute("delete from fingerprints")
        db.execute("delete from lsh_bands")
        db.execute("insert or replace into meta (key, value) values (?, ?)", [FORMAT_KEY, version])
    return bool(dropped)

"""Stable identities: an article's key (what makes it the same article) and its short id."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_GLOBAL_GUID = re.compile(r"^(?:https?://|urn:|tag:)", re.I)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_key(guid: str | None, canonical: str | None, title: str, content: str, source_id: int | None) -> str:
    """The upstream GUID, else the canonical link, else a hash of title and content.

    A GUID that is not globally unique by its form (a bare "123") is scoped to its
    source, so two feeds numbering their items from 1 do not collide.
    """
    if guid and guid.strip():
        guid = guid.strip()
        return f"guid:{guid}" if _GLOBAL_GUID.match(guid) else f"guid:{source_id}:{guid}"
    if canonical:
        return f"url:{canonical}"
    return f"hash:{_digest(title + chr(0) + content)}"


def article_id(key: str) -> str:
    """A short, URL-safe id derived from the key: 16 hex digits (64 bits)."""
    return _digest(key)[:16]


def content_hash(*parts: str | None) -> str:
    """A hash of the fields that, when changed, make a stored article 'updated'."""
    return _digest("\x00".join(p or "" for p in parts))[:16]


# Everything that is not a letter or digit: spacing, punctuation (full- and half-width), symbols.
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalized_text(text: str) -> str:
    """Text reduced to what survives reprinting: NFKC (full-width to half-width), lower case, no
    spacing or punctuation. Two copies of one story with different whitespace and punctuation
    widths give the same string."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


# Below this many letters and digits a body is too short to say "the same story": two notices
# that read "详见附件。" or share one boilerplate sentence are not one article.
MIN_DUPLICATE_CHARS = 120


def body_hash(text: str) -> str:
    """The exact-duplicate fingerprint of a body's plain text; "" for a body too short to tell."""
    folded = normalized_text(text)
    return _digest(folded)[:16] if len(folded) >= MIN_DUPLICATE_CHARS else ""

"""Golden pairs for the parsers: a ParsedFeed rendered as plain JSON, and the files it is compared with.

A case is tests/data/parse/<case>.<ext> (feed bytes) plus <case>.expected.json.
Datetimes are rendered as ISO 8601 strings in UTC ("2024-11-03T02:55:33Z"); a
naive datetime is refused, because every parsed time must carry its zone.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aggregator.model import FetchResult, ParsedFeed, RawItem

PARSE_DATA = Path(__file__).parent.parent / "data" / "parse"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise AssertionError(f"naive datetime in parser output: {value!r}")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def item_to_json(item: RawItem) -> dict[str, Any]:
    """One RawItem as a plain dict, every field present."""
    return {f.name: _plain(getattr(item, f.name)) for f in dataclasses.fields(item)}


def feed_to_json(parsed: ParsedFeed) -> dict[str, Any]:
    """A ParsedFeed as a plain dict that json.dumps can write and == can compare."""
    return {
        "title": parsed.title,
        "site_url": parsed.site_url,
        "format": parsed.format,
        "encoding": parsed.encoding,
        "ttl_minutes": parsed.ttl_minutes,
        "items": [item_to_json(item) for item in parsed.items],
    }


def case_bytes(name: str) -> bytes:
    """The feed bytes of a case file, e.g. "rss20.xml"."""
    return (PARSE_DATA / name).read_bytes()


def expected(name: str) -> dict[str, Any]:
    """The expected JSON of a case: "rss20.xml" -> rss20.expected.json."""
    stem = name.rsplit(".", 1)[0]
    return json.loads((PARSE_DATA / f"{stem}.expected.json").read_text(encoding="utf-8"))


def fetched(body: bytes, content_type: str | None, url: str = "https://example.org/feed") -> FetchResult:
    """A FetchResult as fetch would hand it over (no network involved)."""
    headers = {"content-type": content_type} if content_type else {}
    return FetchResult(url=url, final_url=url, status=200, headers=headers, body=body)

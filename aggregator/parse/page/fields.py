"""Deciding between witnesses: which time, which author the page's evidence supports.

The visible byline, the metadata and the URL often disagree. The rules here say who
wins and why; they never make a value up (no time for a page that shows only a day,
no date for a page that shows none).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from ..dates import FoundDate, ParsedDate, parse_date
from .meta import PageMeta

_ORG_SUFFIX = re.compile(r"(?:局|部|委|会|院|网|报|社|台|中心|政府|办公室|办|公司|集团|网站|频道|杂志|新闻)$")
# Meta authors that name an outlet rather than a person ("网易", "参考消息", "新浪财经-自媒体综合", "CSDN.NET").
_OUTLET_HINT = re.compile(r"网|报|社|新闻|消息|媒体|日报|科技|财经|频道|综合|\.(?:com|net|cn|org)\b", re.I)
_NOT_PEOPLE = {"admin", "administrator", "未知", "unknown", "小编"}


def first_meta_date(meta: PageMeta, tz: str, now: datetime | None) -> FoundDate | None:
    """The first readable publication date the metadata states, with its raw string."""
    for raw in meta.dates:
        parsed = parse_date(raw, tz, now=now)
        if parsed is not None:
            return FoundDate(raw, parsed)
    return None


def _local_parts(value: datetime, tz: str) -> tuple[int, ...]:
    local = value.astimezone(ZoneInfo(tz))
    return local.year, local.month, local.day, local.hour, local.minute, local.second


def _day_only(found: FoundDate, tz: str) -> FoundDate:
    year, month, day = _local_parts(found.parsed.value, tz)[:3]
    start = datetime(year, month, day, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
    return FoundDate(found.raw, ParsedDate(start, True))


def meta_time_suspect(found: FoundDate, tz: str) -> bool:
    """ccdi.gov.cn's PubDate writes the month where the minutes go ("2022-09-05 18:09" for 18:00).

    A metadata time without seconds whose minutes equal its month is not trusted to the minute.
    """
    if found.parsed.date_only or re.search(r"\d:\d{2}:\d{2}", found.raw):
        return False
    _, month, _, _, minute, _ = _local_parts(found.parsed.value, tz)
    return minute == month


def resolve_date(visible: FoundDate | None, meta: FoundDate | None, url_date: FoundDate | None,
                 tz: str) -> FoundDate | None:
    """Pick the publication time from the visible byline, the metadata and the URL.

    The visible time wins; the metadata only adds precision to the same moment (seconds
    to the same minute, a time to a visible bare day) and stands alone only when the
    page shows nothing, as a bare day when its time looks broken. The URL gives a day.
    """
    if visible is not None:
        if meta is not None and not meta.parsed.date_only and not meta_time_suspect(meta, tz):
            seen, known = _local_parts(visible.parsed.value, tz), _local_parts(meta.parsed.value, tz)
            if visible.parsed.date_only and seen[:3] == known[:3]:
                return meta
            if not visible.parsed.date_only and seen[:5] == known[:5] and known[5] and not seen[5]:
                return meta
        return visible
    if meta is not None:
        return _day_only(meta, tz) if meta_time_suspect(meta, tz) else meta
    return url_date


def meta_author(meta: PageMeta, editor: str | None, origin: str | None) -> str | None:
    """The first metadata author that names a person: not an id, a site, an outlet or the editor.

    CMS metadata puts the editor, a user number or the site's name in "author" as often
    as the writer, so a meta author has to prove itself where a visible 作者 does not.
    """
    taken = set(meta.site_names) | set(meta.origins) | {origin or "", meta.publisher or ""} | set(meta.editors)
    for name in meta.authors:
        if not name or len(name) > 30 or re.search(r"\d|@|https?:", name) or name.lower() in _NOT_PEOPLE:
            continue
        if name in taken or (editor and (editor in name or name in editor)):
            continue
        if _ORG_SUFFIX.search(name) or _OUTLET_HINT.search(name):
            continue
        return name
    return None

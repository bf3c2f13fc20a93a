"""Read upstream date strings, in the source's time zone when they carry none.

feedparser reads a zone-less time as UTC (eight hours wrong for Shanghai) and
turns 2024年11月3日 into 2024-11-01; so dates are read here from the raw string:
RFC 822, ISO 8601, Chinese and slashed forms, and relative forms (3小时前, 昨天).
A date without a time is kept as that day at 00:00 local time, flagged date_only,
never given an invented time.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_CN = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(?P<m>\d{1,2})\s*(?:月|-|/|\.)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})\s*(?::|:|时|點|点)\s*(?P<M>\d{1,2})\s*分?"
    r"(?:\s*(?::|:)\s*(?P<S>\d{1,2})\s*秒?|\s*(?P<S2>\d{1,2})\s*秒)?)?"
)
# An explicit zone after a slashed or Chinese date: "+0800", "+08:00", "GMT+8", "UTC".
_TRAILING_ZONE = re.compile(
    r"^\s*(?:(?:GMT|UTC)\s*)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?\b"
    r"|^\s*(?:GMT|UTC|Z)\b"
)
_RELATIVE = re.compile(r"^\s*(\d+)\s*(秒|分钟|小时|天)前\s*$")
_JUST_NOW = ("刚刚", "刚才")
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_DAY_WORD_TIME = re.compile(r"^\s*(今天|昨天|前天)\s*(?:(\d{1,2})\s*[::]\s*(\d{1,2}))?\s*$")
# Zone names that mean China Standard Time on Chinese sites, not US Central.
_CHINA_OFFSET = timedelta(hours=8)


@dataclass(frozen=True)
class ParsedDate:
    """A resolved instant in UTC, and whether the source gave only a day."""

    value: datetime
    date_only: bool = False


def _local(tz: ZoneInfo | timezone, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=tz).astimezone(timezone.utc)


def _zone_after(rest: str, tz: ZoneInfo) -> ZoneInfo | timezone:
    """The zone written right after a time, else the source's own zone."""
    match = _TRAILING_ZONE.match(rest)
    if not match:
        return tz
    if not match.group("sign"):
        return timezone.utc
    offset = timedelta(hours=int(match.group("h")), minutes=int(match.group("m") or 0))
    return timezone(-offset if match.group("sign") == "-" else offset)


def _rfc822(raw: str, tz: ZoneInfo) -> datetime | None:
    if not re.search(r"[A-Za-z]{3}", raw) or not re.search(r"\d{1,2}:\d{2}", raw):
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        # email.utils gives "-0000" no zone too, but RFC 5322 defines it as UTC.
        zone = timezone.utc if re.search(r"-0000\s*$", raw) else tz
        return parsed.replace(tzinfo=zone).astimezone(timezone.utc)
    if re.search(r"\bCST\s*$", raw) and datetime.now(tz).utcoffset() == _CHINA_OFFSET:
        return parsed.replace(tzinfo=timezone(_CHINA_OFFSET)).astimezone(timezone.utc)
    return parsed.astimezone(timezone.utc)


def _iso(raw: str, tz: ZoneInfo) -> ParsedDate | None:
    text = raw.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    date_only = len(text) == 10
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return ParsedDate(parsed.astimezone(timezone.utc).replace(microsecond=0), date_only)


def _chinese(raw: str, tz: ZoneInfo) -> ParsedDate | None:
    match = _CN.search(raw)
    if not match:
        return None
    g = match.groupdict()
    try:
        if g["H"] is None:
            return ParsedDate(_local(tz, int(g["y"]), int(g["m"]), int(g["d"])), True)
        seconds = int(g["S"] or g["S2"] or 0)
        zone = _zone_after(raw[match.end():], tz)
        return ParsedDate(_local(zone, int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"]), int(g["M"]), seconds))
    except ValueError:
        return None


def _relative(raw: str, tz: ZoneInfo, now: datetime) -> ParsedDate | None:
    if raw in _JUST_NOW:
        return ParsedDate(now.astimezone(timezone.utc).replace(microsecond=0))
    match = _RELATIVE.match(raw)
    if match:
        amount = int(match.group(1))
        unit = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days"}[match.group(2)]
        return ParsedDate((now - timedelta(**{unit: amount})).astimezone(timezone.utc).replace(microsecond=0))
    match = _DAY_WORD_TIME.match(raw)
    if match:
        day = (now.astimezone(tz) - timedelta(days=_DAY_WORDS[match.group(1)])).date()
        if match.group(2) is None:
            return ParsedDate(_local(tz, day.year, day.month, day.day), True)
        return ParsedDate(_local(tz, day.year, day.month, day.day, int(match.group(2)), int(match.group(3))))
    return None


def parse_date(raw: str | None, tz_name: str, *, now: datetime | None = None) -> ParsedDate | None:
    """Resolve `raw` to UTC, reading a zone-less value in `tz_name`; None if unreadable."""
    try:
        return _parse(raw, tz_name, now)
    except (ValueError, OverflowError):  # year 9999 in a far zone, 999999天前: no date, not a crash
        return None


def _parse(raw: str | None, tz_name: str, now: datetime | None) -> ParsedDate | None:
    if not raw or not raw.strip():
        return None
    tz = ZoneInfo(tz_name)
    raw = raw.strip()
    iso = _iso(raw, tz)
    if iso is not None:
        return iso
    rfc = _rfc822(raw, tz)
    if rfc is not None:
        return ParsedDate(rfc)
    chinese = _chinese(raw, tz)
    if chinese is not None:
        return chinese
    return _relative(raw, tz, now or datetime.now(timezone.utc))


def from_struct(parsed: tuple | None) -> datetime | None:
    """A UTC datetime from a time.struct_time-like 9-tuple (feedparser's fallback)."""
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


# --- dates written in running text (bylines) and in URLs ---------------------------------------

# news.cn splits its byline date over spans: "2024 05/09 22:27:02" (year, then month/day).
_SPLIT_YEAR = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s+(?P<m>\d{1,2})/(?P<d>\d{1,2})"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_RELATIVE_IN_TEXT = re.compile(
    r"\d+\s*(?:秒|分钟|小时|天)前|刚刚|刚才|(?:今天|昨天|前天)(?:\s*\d{1,2}\s*[::]\s*\d{1,2})?"
)
# Dates CMSs put in article URLs, most specific first. Each names the groups y, m, d.
_URL_DATES = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})/(?P<d>\d{2})/"),          # /2024-11/03/
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{2})-(?P<d>\d{2})/"),          # /2025/12-02/
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>\d{2})/(?P<d>\d{2})/"),           # /202411/03/
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{2})(?P<d>\d{2})/"),           # /2024/0517/
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),      # /2024/11/03/
    re.compile(r"[/_]t(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})_"),        # t20241103_
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})/"),            # /20240509/
)


@dataclass(frozen=True)
class FoundDate:
    """A date found inside a longer text: the exact substring and what it means."""

    raw: str
    parsed: ParsedDate


def _split_year(match: re.Match, tz: ZoneInfo) -> ParsedDate:
    g = match.groupdict()
    day = (int(g["y"]), int(g["m"]), int(g["d"]))
    if g["H"] is None:
        return ParsedDate(_local(tz, *day), True)
    return ParsedDate(_local(tz, *day, int(g["H"]), int(g["M"]), int(g["S"] or 0)))


def find_date(text: str | None, tz_name: str, *, now: datetime | None = None) -> FoundDate | None:
    """The first readable date written in running text such as a byline, with its raw substring.

    Reads "2024-11-03 10:55:33", "2024/11/3 10:55", "2024年11月3日 10时55分", a bare day
    (date_only), news.cn's split "2024 05/09 22:27:02", and 3小时前 / 昨天 10:30 against `now`.
    Impossible dates (2024-13-45) are skipped, not raised.
    """
    if not text:
        return None
    tz = ZoneInfo(tz_name)
    found: list[tuple[int, FoundDate]] = []
    for match in _CN.finditer(text):
        parsed = parse_date(match.group(0), tz_name, now=now)
        if parsed is not None:
            raw = match.group(0).strip()
            if re.search(r"\d[:：]\d{1,2}\s*分$", raw):
                raw = raw[:-1].rstrip()  # "06:20 分享": the 分 belongs to the next word, not the time
            found.append((match.start(), FoundDate(raw, parsed)))
            break
    for match in _SPLIT_YEAR.finditer(text):
        try:
            found.append((match.start(), FoundDate(match.group(0).strip(), _split_year(match, tz))))
            break
        except ValueError:
            continue
    for match in _RELATIVE_IN_TEXT.finditer(text):
        raw = re.sub(r"\s+", " ", match.group(0)).strip()
        parsed = parse_date(raw, tz_name, now=now)
        if parsed is not None:
            found.append((match.start(), FoundDate(raw, parsed)))
            break
    if not found:
        return None
    return min(found, key=lambda pair: pair[0])[1]


def date_from_url(url: str | None, tz_name: str, *, now: datetime | None = None) -> FoundDate | None:
    """The publication day a CMS wrote into an article URL (/2024-11/03/, /202411/03/, t20241103_).

    Always date_only: a URL never says the time. A day in the future (beyond tomorrow)
    or before 1995 is no publication date.
    """
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    tz = ZoneInfo(tz_name)
    latest = (now or datetime.now(timezone.utc)) + timedelta(days=1)
    for pattern in _URL_DATES:
        for match in pattern.finditer(path):
            try:
                value = _local(tz, int(match.group("y")), int(match.group("m")), int(match.group("d")))
            except ValueError:
                continue
            if datetime(1995, 1, 1, tzinfo=timezone.utc) <= value <= latest:
                return FoundDate(match.group(0).strip("/_"), ParsedDate(value, True))
    return None

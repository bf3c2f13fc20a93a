"""parse.dates.parse_date: upstream date strings to UTC, zone-less ones read in the source's zone."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from aggregator.parse.dates import parse_date

SHANGHAI = "Asia/Shanghai"
# A fixed "now": 2024-11-05 12:00 in Shanghai.
NOW = datetime(2024, 11, 5, 4, 0, tzinfo=timezone.utc)


def utc(raw: str, tz: str = SHANGHAI, now: datetime = NOW) -> str | None:
    """The parsed instant as UTC ISO text (None when unreadable)."""
    parsed = parse_date(raw, tz, now=now)
    if parsed is None:
        return None
    assert parsed.value.utcoffset().total_seconds() == 0
    return parsed.value.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(("raw", "expected"), [
    ("Sun, 03 Nov 2024 10:55:33 +0800", "2024-11-03T02:55:33Z"),
    ("Sun, 03 Nov 2024 10:55:33 GMT", "2024-11-03T10:55:33Z"),
    ("Sun, 3 Nov 2024 10:55:33 +0000", "2024-11-03T10:55:33Z"),
    ("Sun, 03 Nov 2024 10:55:33 -0500", "2024-11-03T15:55:33Z"),
    ("Sun, 03 Nov 2024 10:55:33 EST", "2024-11-03T15:55:33Z"),
    ("03 Nov 2024 10:55 +0800", "2024-11-03T02:55:00Z"),
])
def test_rfc822_with_zone(raw: str, expected: str) -> None:
    assert utc(raw) == expected


def test_rfc822_without_zone_is_read_in_the_source_zone() -> None:
    # Shanghai is UTC+8: 10:55 local is 02:55 UTC, eight hours earlier.
    assert utc("Sun, 03 Nov 2024 10:55:33") == "2024-11-03T02:55:33Z"
    assert utc("Sun, 03 Nov 2024 10:55:33", "UTC") == "2024-11-03T10:55:33Z"


def test_rfc822_minus_0000_means_utc_not_local() -> None:
    # RFC 5322 3.3: "-0000" is UTC with the sender's zone unknown.
    assert utc("Sun, 03 Nov 2024 10:55:33 -0000") == "2024-11-03T10:55:33Z"


def test_cst_on_a_shanghai_source_is_china_standard_time() -> None:
    assert utc("Sun, 03 Nov 2024 10:55:33 CST") == "2024-11-03T02:55:33Z"


def test_cst_on_a_chicago_source_is_us_central() -> None:
    assert utc("Sun, 03 Nov 2024 10:55:33 CST", "America/Chicago") == "2024-11-03T16:55:33Z"


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-11-03T10:55:33Z", "2024-11-03T10:55:33Z"),
    ("2024-11-03T10:55:33z", "2024-11-03T10:55:33Z"),
    ("2024-11-03T10:55:33+08:00", "2024-11-03T02:55:33Z"),
    ("2024-11-03T10:55:33+0800", "2024-11-03T02:55:33Z"),
    ("2024-11-03T10:55:33.123456+08:00", "2024-11-03T02:55:33Z"),
    ("2024-11-03T10:55:33-05:00", "2024-11-03T15:55:33Z"),
    ("2024-11-03 10:55:33", "2024-11-03T02:55:33Z"),
    ("2024-11-03T10:55", "2024-11-03T02:55:00Z"),
    ("2024-11-03 10:55:33 +0800", "2024-11-03T02:55:33Z"),
])
def test_iso_8601_variants(raw: str, expected: str) -> None:
    assert utc(raw) == expected


def test_parsed_values_carry_no_microseconds() -> None:
    assert parse_date("2024-11-03T10:55:33.987654Z", SHANGHAI).value.microsecond == 0


def test_iso_date_only_is_local_midnight_flagged() -> None:
    parsed = parse_date("2024-11-03", SHANGHAI)
    assert parsed.date_only is True
    assert parsed.value == datetime(2024, 11, 2, 16, 0, tzinfo=timezone.utc)  # 00:00 in Shanghai


def test_date_with_time_is_not_flagged_date_only() -> None:
    assert parse_date("2024-11-03 00:00:00", SHANGHAI).date_only is False


def test_chinese_date_is_the_third_not_the_first() -> None:
    parsed = parse_date("2024年11月3日", SHANGHAI)
    assert parsed.value == datetime(2024, 11, 2, 16, 0, tzinfo=timezone.utc)
    assert parsed.date_only is True
    assert utc("2024年11月3日") == "2024-11-02T16:00:00Z"


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024年11月3日 10时55分", "2024-11-03T02:55:00Z"),
    ("2024年11月3日 10:55", "2024-11-03T02:55:00Z"),
    ("2024年11月03日10:55:33", "2024-11-03T02:55:33Z"),
    ("2024年11月3日 10时55分33秒", "2024-11-03T02:55:33Z"),
    ("2024/11/3 10:55", "2024-11-03T02:55:00Z"),
    ("2024/11/03 10:55:33", "2024-11-03T02:55:33Z"),
    ("2024.11.03 10:55", "2024-11-03T02:55:00Z"),
    ("2024-11-3 10:55:33", "2024-11-03T02:55:33Z"),
])
def test_chinese_and_slashed_forms_with_time(raw: str, expected: str) -> None:
    parsed = parse_date(raw, SHANGHAI)
    assert utc(raw) == expected
    assert parsed.date_only is False


def test_slashed_date_only_is_flagged() -> None:
    parsed = parse_date("2024/11/3", SHANGHAI)
    assert (utc("2024/11/3"), parsed.date_only) == ("2024-11-02T16:00:00Z", True)


@pytest.mark.parametrize(("raw", "expected"), [
    ("发布时间:2024-11-03 10:55:33", "2024-11-03T02:55:33Z"),
    ("发布时间:2024-11-03 10:55:33", "2024-11-03T02:55:33Z"),
    ("发布日期: 2024年11月3日 10:55", "2024-11-03T02:55:00Z"),
    ("来源:新华社 2024-11-03 10:55", "2024-11-03T02:55:00Z"),
    ("更新于 2024/11/03 10:55:33", "2024-11-03T02:55:33Z"),
])
def test_labelled_forms(raw: str, expected: str) -> None:
    assert utc(raw) == expected


def test_explicit_offset_after_a_slashed_date_is_honoured() -> None:
    # A source in UTC that writes Beijing time with its offset.
    assert utc("2024/11/03 10:55:33 +0800", "UTC") == "2024-11-03T02:55:33Z"
    assert utc("2024.11.03 10:55 GMT+8", "UTC") == "2024-11-03T02:55:00Z"
    assert utc("2024/11/03 10:55 UTC", SHANGHAI) == "2024-11-03T10:55:00Z"


@pytest.mark.parametrize(("raw", "expected"), [
    ("3小时前", "2024-11-05T01:00:00Z"),
    ("3 小时前", "2024-11-05T01:00:00Z"),
    ("5分钟前", "2024-11-05T03:55:00Z"),
    ("30秒前", "2024-11-05T03:59:30Z"),
    ("2天前", "2024-11-03T04:00:00Z"),
    ("刚刚", "2024-11-05T04:00:00Z"),
])
def test_relative_forms_against_now(raw: str, expected: str) -> None:
    assert utc(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("昨天 10:20", "2024-11-04T02:20:00Z"),
    ("昨天10:20", "2024-11-04T02:20:00Z"),
    ("前天 08:00", "2024-11-03T00:00:00Z"),
    ("今天 09:15", "2024-11-05T01:15:00Z"),
])
def test_day_words_with_time_are_local(raw: str, expected: str) -> None:
    parsed = parse_date(raw, SHANGHAI, now=NOW)
    assert utc(raw) == expected
    assert parsed.date_only is False


def test_yesterday_is_the_local_yesterday_not_the_utc_one() -> None:
    # 2024-11-05 01:30 in Shanghai is still 2024-11-04 in UTC.
    early = datetime(2024, 11, 4, 17, 30, tzinfo=timezone.utc)
    assert utc("昨天 10:20", now=early) == "2024-11-04T02:20:00Z"


def test_day_word_alone_is_date_only() -> None:
    parsed = parse_date("昨天", SHANGHAI, now=NOW)
    assert (utc("昨天"), parsed.date_only) == ("2024-11-03T16:00:00Z", True)


@pytest.mark.parametrize("raw", [
    "garbage", "", "   ", None, "Sun, 99 Foo 2024", "2024-13-45", "2024年13月45日",
    "Mon, 32 Nov 2024 10:00:00 +0800", "2024-11-03T25:00:00", "明天见", "3 hours ago",
])
def test_unreadable_gives_none(raw: str | None) -> None:
    assert parse_date(raw, SHANGHAI, now=NOW) is None


def test_out_of_range_dates_are_unreadable_not_a_crash() -> None:
    from aggregator.parse.dates import parse_date as parse

    assert parse("9999-12-31T23:59:59-10:00", "Asia/Shanghai") is None
    assert parse("999999天前", "Asia/Shanghai") is None
    assert parse("99999999999天前", "Asia/Shanghai") is None

"""Dates the page extractor reads: from running byline text, from URLs, and which witness wins."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from aggregator.parse.dates import FoundDate, ParsedDate, date_from_url, find_date, parse_date
from aggregator.parse.page.fields import meta_time_suspect, resolve_date

TZ = "Asia/Shanghai"
NOW = datetime(2024, 11, 5, 4, 0, tzinfo=timezone.utc)  # 2024-11-05 12:00 in Shanghai


def utc(found: FoundDate | None) -> str | None:
    return found.parsed.value.strftime("%Y-%m-%dT%H:%M:%SZ") if found else None


@pytest.mark.parametrize(("text", "raw", "expected", "date_only"), [
    ("发布时间:2024-11-03 10:55:33 作者:佚名", "2024-11-03 10:55:33", "2024-11-03T02:55:33Z", False),
    ("发布时间：2024/11/3 10:55 来源：辽宁日报", "2024/11/3 10:55", "2024-11-03T02:55:00Z", False),
    ("2024年11月3日 10时55分 来源：新华网", "2024年11月3日 10时55分", "2024-11-03T02:55:00Z", False),
    ("2024年05月17日08:59  来源：北京青年报", "2024年05月17日08:59", "2024-05-17T00:59:00Z", False),
    ("发表日期：2024年11月03日", "2024年11月03日", "2024-11-02T16:00:00Z", True),
    ("日期：2024-11-03 字号：大 中 小", "2024-11-03", "2024-11-02T16:00:00Z", True),
    ("新华网 > 时政 > 正文 2024 05/09 22:27:02 来源：新华网", "2024 05/09 22:27:02", "2024-05-09T14:27:02Z", False),
    ("发布时间： 2022-05-09 06:20 分享", "2022-05-09 06:20", "2022-05-08T22:20:00Z", False),
    ("发布时间：3小时前", "3小时前", "2024-11-05T01:00:00Z", False),
    ("昨天 10:30 来源：海州新闻网", "昨天 10:30", "2024-11-04T02:30:00Z", False),
    ("2024-13-45 第二天 2024-11-02", "2024-11-02", "2024-11-01T16:00:00Z", True),
])
def test_find_date_in_byline_text(text: str, raw: str, expected: str, date_only: bool) -> None:
    found = find_date(text, TZ, now=NOW)
    assert (found.raw, utc(found), found.parsed.date_only) == (raw, expected, date_only)


@pytest.mark.parametrize("text", ["", "来源：新华网", "第14期", "电话：0418-2812345"])
def test_find_date_finds_nothing_where_no_date_is_written(text: str) -> None:
    assert find_date(text, TZ, now=NOW) is None


@pytest.mark.parametrize(("url", "raw", "expected"), [
    ("http://www.hz.example.cn/ty/2024-11/03/c_881.html", "2024-11/03", "2024-11-02T16:00:00Z"),
    ("http://www.example.cn/xw/202411/03/t_1.html", "202411/03", "2024-11-02T16:00:00Z"),
    ("http://www.ccdi.gov.cn/yaowenn/202205/t20220509_191284.html", "t20220509", "2022-05-08T16:00:00Z"),
    ("http://www.news.cn/politics/leaders/20240509/3dd6/c.html", "20240509", "2024-05-08T16:00:00Z"),
    ("http://health.people.com.cn/n1/2024/0517/c14739-40237861.html", "2024/0517", "2024-05-16T16:00:00Z"),
    ("http://gd.example.gov.cn/2024/10-02/3269560.html", "2024/10-02", "2024-10-01T16:00:00Z"),
])
def test_date_from_url_is_a_day_never_a_time(url: str, raw: str, expected: str) -> None:
    found = date_from_url(url, TZ, now=NOW)
    assert (found.raw, utc(found), found.parsed.date_only) == (raw, expected, True)


@pytest.mark.parametrize("url", [
    "http://www.example.cn/a/b.html",
    "http://www.example.cn/2099/01/01/future.html",  # after "now": no publication date
    "http://www.example.cn/2024-13/45/bad.html",
    "http://www.example.cn/list.html?date=2024-11-03",  # a query is not the article's path
])
def test_date_from_url_refuses_what_is_no_publication_day(url: str) -> None:
    assert date_from_url(url, TZ, now=NOW) is None


def found(raw: str) -> FoundDate:
    parsed = parse_date(raw, TZ, now=NOW)
    assert parsed is not None
    return FoundDate(raw, parsed)


def test_visible_time_wins_over_disagreeing_metadata() -> None:
    # scjg.gansu.gov.cn: PubDate a year after the visible 发布时间
    assert resolve_date(found("2022-05-06 15:16"), found("2023-04-18 15:24:29"), None, TZ).raw == "2022-05-06 15:16"


def test_metadata_adds_the_time_to_a_visible_bare_day() -> None:
    # gd.henan.gov.cn: 发表日期：2025-12-02, PubDate 2025-12-02 10:12:38.0
    chosen = resolve_date(found("2024-11-03"), found("2024-11-03 10:12:38"), None, TZ)
    assert (chosen.raw, chosen.parsed.date_only) == ("2024-11-03 10:12:38", False)


def test_metadata_of_another_day_does_not_replace_a_visible_day() -> None:
    assert resolve_date(found("2024-11-03"), found("2024-11-05 10:12:38"), None, TZ).raw == "2024-11-03"


def test_metadata_seconds_refine_the_same_visible_minute() -> None:
    assert resolve_date(found("2024-11-03 10:55"), found("2024-11-03 10:55:33"), None, TZ).raw == "2024-11-03 10:55:33"


def test_ccdi_pubdate_minutes_repeating_the_month_are_suspect() -> None:
    assert meta_time_suspect(found("2022-09-05  18:09 "), TZ)
    assert not meta_time_suspect(found("2023-02-21 06:15 "), TZ)
    assert not meta_time_suspect(found("2022-09-05 18:09:00"), TZ)  # written to the second: trusted


def test_a_suspect_metadata_time_alone_gives_only_its_day() -> None:
    chosen = resolve_date(None, found("2022-09-05  18:09 "), None, TZ)
    assert chosen.parsed.date_only
    assert utc(chosen) == "2022-09-04T16:00:00Z"


def test_url_day_only_when_nothing_else_states_a_date() -> None:
    url = date_from_url("http://x.example.cn/2024-11/03/a.html", TZ, now=NOW)
    assert resolve_date(None, None, url, TZ) is url
    assert resolve_date(found("2024-11-01 08:00"), None, url, TZ).raw == "2024-11-01 08:00"
    assert resolve_date(None, None, None, TZ) is None


def test_parsed_date_type_is_shared_with_the_feed_parser() -> None:
    assert isinstance(found("2024-11-03").parsed, ParsedDate)

"""normalize.urls: the one spelling of an article URL, and absolute links."""

from __future__ import annotations

import pytest

from aggregator.normalize import absolute_url, canonical_url

FEED = "https://news.example.cn/rss/tech.xml"


def test_fragment_is_dropped() -> None:
    assert canonical_url("https://news.example.cn/a.html#comments") == "https://news.example.cn/a.html"


@pytest.mark.parametrize(("query", "kept"), [
    ("utm_source=rss", ""),
    ("utm_medium=feed&utm_campaign=x", ""),
    ("UTM_Source=Weibo", ""),
    ("fbclid=IwAR0abc", ""),
    ("spm=a2c4g.11186623.0.0", ""),
    ("gclid=1", ""),
    ("from=timeline&isappinstalled=0", "?from=timeline"),
])
def test_tracking_parameters_are_removed(query: str, kept: str) -> None:
    assert canonical_url(f"https://news.example.cn/a.html?{query}") == f"https://news.example.cn/a.html{kept}"


def test_other_parameters_are_kept_in_order() -> None:
    url = canonical_url("https://news.example.cn/view.php?id=42&utm_source=rss&page=2&spm=x")
    assert url == "https://news.example.cn/view.php?id=42&page=2"


def test_kept_parameters_keep_their_spelling() -> None:
    # Decoding and re-encoding would turn "?123" into "?123=" and "%2F" into "%2F" or "/".
    assert canonical_url("http://bbs.example.cn/read.php?123") == "http://bbs.example.cn/read.php?123"
    assert canonical_url("http://ex.com/a?x=a+b&y=%2F/c&q=%E4%B8%AD") == "http://ex.com/a?x=a+b&y=%2F/c&q=%E4%B8%AD"


def test_host_is_lower_cased_but_path_is_not() -> None:
    assert canonical_url("HTTPS://News.Example.CN/Tech/A.html") == "https://news.example.cn/Tech/A.html"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://news.example.cn:443/a", "https://news.example.cn/a"),
    ("http://news.example.cn:80/a", "http://news.example.cn/a"),
    ("http://news.example.cn:8080/a", "http://news.example.cn:8080/a"),
    ("https://news.example.cn:80/a", "https://news.example.cn:80/a"),
])
def test_default_port_is_dropped(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_empty_path_becomes_slash() -> None:
    assert canonical_url("http://news.example.cn") == "http://news.example.cn/"


@pytest.mark.parametrize(("url", "expected"), [
    ("/tech/2024/1.html", "https://news.example.cn/tech/2024/1.html"),
    ("1.html?utm_source=rss", "https://news.example.cn/rss/1.html"),
    ("../world/2.html", "https://news.example.cn/world/2.html"),
    ("//cdn.example.cn/3.html", "https://cdn.example.cn/3.html"),
])
def test_relative_url_is_resolved_against_the_base(url: str, expected: str) -> None:
    assert canonical_url(url, FEED) == expected


def test_ipv6_host_keeps_its_brackets() -> None:
    assert canonical_url("http://[2001:DB8::1]:8080/a#x") == "http://[2001:db8::1]:8080/a"


@pytest.mark.parametrize("url", [None, "", "   ", "javascript:alert(1)", "mailto:a@example.cn",
                                 "ftp://files.example.cn/a", "http://[::1/broken", "http://ex.com:99999/"])
def test_unusable_urls_give_none(url: str | None) -> None:
    assert canonical_url(url, FEED) is None


def test_absolute_url_resolves_and_keeps_query_and_fragment() -> None:
    assert absolute_url("a.html?utm_source=x#top", FEED) == "https://news.example.cn/rss/a.html?utm_source=x#top"


@pytest.mark.parametrize("url", [None, " ", "javascript:void(0)", "data:text/html,hi", "http://[::1/"])
def test_absolute_url_refuses_non_web_urls(url: str | None) -> None:
    assert absolute_url(url, FEED) is None

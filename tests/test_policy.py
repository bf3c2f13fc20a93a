"""When a source is fetched next: interval with jitter, upstream hints within a cap, backoff, Retry-After."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aggregator.config import Config
from aggregator.pipeline.policy import after_failure, after_success, upstream_interval

NOW = datetime(2024, 11, 3, 2, 0, 0, tzinfo=timezone.utc)
CFG = Config()  # max_backoff 24h, max_upstream_interval 6h


def test_success_is_the_interval_with_at_most_ten_percent_jitter() -> None:
    for _ in range(50):
        delay = (after_success(1800, CFG, NOW) - NOW).total_seconds()
        assert 1620 <= delay <= 1980


def test_upstream_hint_stretches_the_interval_but_only_up_to_the_cap() -> None:
    stretched = (after_success(1800, CFG, NOW, hint=7200) - NOW).total_seconds()
    assert 7200 * 0.9 <= stretched <= 7200 * 1.1
    capped = (after_success(1800, CFG, NOW, hint=7 * 86400) - NOW).total_seconds()
    assert 6 * 3600 - 300 <= capped <= 6 * 3600 + 300
    shorter = (after_success(1800, CFG, NOW, hint=60) - NOW).total_seconds()
    assert shorter >= 1620  # a hint never makes us poll more often than the source's interval


def test_upstream_interval_reads_max_age_expires_and_ttl() -> None:
    assert upstream_interval({"cache-control": "public, max-age=3600"}, None) == 3600
    assert upstream_interval({"cache-control": "s-maxage=600, max-age=60"}, None) == 600
    assert upstream_interval({"expires": "Sun, 03 Nov 2024 03:00:00 GMT",
                              "date": "Sun, 03 Nov 2024 02:00:00 GMT"}, None) == 3600
    assert upstream_interval({}, 90) == 5400
    assert upstream_interval({"cache-control": "max-age=60"}, 30) == 1800  # the larger hint
    assert upstream_interval({"expires": "0"}, None) is None
    assert upstream_interval({}, None) is None


def test_failures_back_off_exponentially_up_to_the_cap() -> None:
    delays = []
    for failures in range(1, 9):
        when, status = after_failure(1800, failures, CFG, NOW)
        delays.append((when - NOW).total_seconds())
        assert status == ("failing" if failures == 1 else "backoff")
    assert delays[:6] == [1800, 3600, 7200, 14400, 28800, 57600]
    assert delays[6:] == [86400, 86400]


def test_retry_after_is_honoured_and_capped() -> None:
    when, status = after_failure(1800, 1, CFG, NOW, NOW + timedelta(hours=3))
    assert (when, status) == (NOW + timedelta(hours=3), "backoff")
    when, _ = after_failure(1800, 1, CFG, NOW, NOW + timedelta(days=30))
    assert when == NOW + timedelta(hours=24)

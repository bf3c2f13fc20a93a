"""When to fetch a source next: its interval, the upstream's caching hints, backoff, Retry-After.

Pure arithmetic over times and headers, so the pipeline records one next_fetch_at
and the scheduler only follows it.
"""

from __future__ import annotations

import email.utils
import random
import re
from datetime import datetime, timedelta, timezone

from ..config import MAX_DURATION, Config

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.I)
JITTER_SHARE = 0.1
JITTER_MAX = 300


def upstream_interval(headers: dict[str, str], ttl_minutes: int | None) -> int | None:
    """Seconds the upstream says its document stays fresh: max-age, else Expires - Date, and <ttl>."""
    hints: list[int] = []
    cache_control = headers.get("cache-control", "")
    match = _MAX_AGE.search(cache_control)
    if match:
        hints.append(int(match.group(1)))
    elif headers.get("expires"):
        try:
            expires = email.utils.parsedate_to_datetime(headers["expires"])
            date = email.utils.parsedate_to_datetime(headers["date"]) if headers.get("date") else None
        except (TypeError, ValueError, IndexError):
            expires = date = None
        if expires is not None:
            now = date or datetime.now(timezone.utc)
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=timezone.utc)
            if now.tzinfo is None:
                now = now.replace(tzinfo=timezone.utc)
            hints.append(max(0, int((expires - now).total_seconds())))
    if ttl_minutes:
        hints.append(ttl_minutes * 60)
    return max(hints) if hints else None


def jittered(seconds: float) -> float:
    """The interval moved by up to ±10% (at most five minutes) so sources do not fire in lockstep."""
    spread = min(seconds * JITTER_SHARE, JITTER_MAX)
    return seconds + random.uniform(-spread, spread)


def after_success(every: int, config: Config, now: datetime, hint: int | None = None) -> datetime:
    """The next fetch after a good one: the interval, stretched by the upstream's hint within the cap."""
    interval = min(every, MAX_DURATION)  # a row stored before intervals were bounded
    if hint:
        interval = max(every, min(hint, config.max_upstream_interval_seconds))
    return now + timedelta(seconds=jittered(interval))


def after_failure(every: int, failures: int, config: Config, now: datetime,
                  retry_after_until: datetime | None = None) -> tuple[datetime, str]:
    """The next attempt after `failures` failures in a row (1x, 2x, 4x ... the interval, capped), and the status.

    "failing" after one failure; "backoff" once the interval is being stretched or the
    upstream asked us to wait.
    """
    cap = config.max_backoff_seconds
    delay = min(min(every, MAX_DURATION) * 2 ** min(max(0, failures - 1), 32), cap)
    when = now + timedelta(seconds=delay)
    if retry_after_until is not None:
        when = max(when, min(retry_after_until, now + timedelta(seconds=cap)))
    status = "backoff" if failures > 1 or retry_after_until is not None else "failing"
    return when, status

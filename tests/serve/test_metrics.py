"""/metrics in the Prometheus text format: fetches by outcome, fetch latency, articles ingested,
publish duration, feed requests with their 304s, sources by status."""

from __future__ import annotations

import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from pytest_httpserver import HTTPServer

from aggregator.pipeline import publish_site
from tests.feeds import item, rss
from tests.test_sightings import add, cycle


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = resp.read().decode("utf-8")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_fetches_ingests_publishes_and_feed_requests(live_site, db, config,
                                                                     httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss([item(1), item(2)]), content_type="application/rss+xml")
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    base = live_site(config, db)
    before = scrape(base)
    add(db, httpserver.url_for("/feed"))
    add(db, httpserver.url_for("/gone"))
    cycle(db, config)
    publish_site(db, config)
    with urllib.request.urlopen(f"{base}/feeds/all.rss", timeout=10) as resp:
        etag = resp.headers["ETag"]
    request = urllib.request.Request(f"{base}/feeds/all.rss", headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code == 304
    after = scrape(base)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("aggregator_fetches_total", outcome="ok") == 1
    assert grew("aggregator_fetches_total", outcome="failed") == 1
    assert grew("aggregator_fetch_duration_seconds_count") >= 1
    assert grew("aggregator_articles_ingested_total", kind="new") == 2
    assert grew("aggregator_publish_duration_seconds_count") >= 1
    assert grew("aggregator_feed_requests_total", format="rss", status="200") == 1
    assert grew("aggregator_feed_requests_total", format="rss", status="304") == 1
    assert value(after, "aggregator_sources", status="ok") == 1
    assert value(after, "aggregator_sources", status="failing") == 1

"""Metrics in the Prometheus text format (prometheus-client), served at /metrics.

One registry per process: the daemon (`aggregator run`) counts its fetches, ingests, publishes and
the feed requests it serves; `aggregator serve` alone counts only requests. Sources by status are
read from the database at each scrape, so they are right whichever process changed them.

A leaf like config: it imports nothing from the package, and every stage may record into it.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

FETCHES = Counter("aggregator_fetches", "Source fetches by outcome (ok, not_modified, unchanged, failed, skipped).",
                  ["outcome"], registry=REGISTRY)
FETCH_SECONDS = Histogram("aggregator_fetch_duration_seconds", "Time to fetch one source's document (HTTP only).",
                          buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60), registry=REGISTRY)
ARTICLES = Counter("aggregator_articles_ingested", "Articles stored by fetches: new ones and updated ones.",
                   ["kind"], registry=REGISTRY)
PUBLISH_SECONDS = Histogram("aggregator_publish_duration_seconds", "Time of one publish (feeds and pages).",
                            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120), registry=REGISTRY)
FEED_REQUESTS = Counter("aggregator_feed_requests", "Feed requests served, by format and HTTP status (200, 304).",
                        ["format", "status"], registry=REGISTRY)

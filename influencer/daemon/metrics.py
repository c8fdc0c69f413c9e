"""Prometheus metrics (``influencer run --metrics-port``): posts by status and platform, read
from the database at each scrape; publish and caption-writing latency, measured here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from influencer.flow import Context
from influencer.flow.status import post_counts

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Histogram
    from prometheus_client.core import Metric


class PostCounts:
    """A collector: live posts by status and platform, as the database has them now."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily("influencer_posts", "Live posts by status and platform",
                                   labels=["status", "platform"])
        for status, platform, count in post_counts(self.ctx):
            family.add_metric([status, platform], count)
        yield family


class Metrics:
    def __init__(self, ctx: Context) -> None:
        from prometheus_client import CollectorRegistry, Histogram

        self.registry: CollectorRegistry = CollectorRegistry()
        self.registry.register(PostCounts(ctx))
        self.publish: Histogram = Histogram(
            "influencer_publish_seconds", "Time spent in a platform's publish call", ["platform", "status"],
            registry=self.registry)
        self.lateness: Histogram = Histogram(
            "influencer_publish_lateness_seconds", "From a post's publish_at to its publish call",
            ["platform"], registry=self.registry, buckets=(0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 900))
        self.writer: Histogram = Histogram(
            "influencer_draft_seconds", "Time to draft one post (images and caption writer)",
            registry=self.registry)

    def serve(self, port: int, host: str) -> None:
        from prometheus_client import start_http_server

        start_http_server(port, addr=host, registry=self.registry)

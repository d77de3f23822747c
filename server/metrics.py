"""Prometheus metrics for team deployments (issue 20 §4).

Only when ``SWITCHBOARD_METRICS_TOKEN`` is set: then ``GET /metrics``
answers a scraper that presents that token (``Authorization: Bearer``), and
each request is observed here. Without the token nothing is imported or
recorded (the desktop pays nothing). Labels stay bounded: provider and model
come from the config, member from the member keys, error types from the
error tree.
"""
from __future__ import annotations

from typing import Any, Callable

METRICS_TOKEN_ENV = "SWITCHBOARD_METRICS_TOKEN"
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
TTFT_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)


class Metrics:
    def __init__(self, breakers: Callable[[], list[tuple[str, int]]]) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("switchboard_requests", "Requests answered, by outcome",
                                ("provider", "model", "member", "status"), registry=r)
        self.errors = Counter("switchboard_errors", "Failed requests by error type", ("type",), registry=r)
        self.latency = Histogram("switchboard_request_duration_seconds", "Request duration (a stream: until it ended)",
                                 ("provider",), buckets=LATENCY_BUCKETS, registry=r)
        self.ttft = Histogram("switchboard_time_to_first_token_seconds",
                              "Time until the provider answered (a stream's first event)", ("provider",),
                              buckets=TTFT_BUCKETS, registry=r)
        self.tokens = Counter("switchboard_tokens", "Tokens by provider, model, member and direction",
                              ("provider", "model", "member", "direction"), registry=r)
        self.breaker = Gauge("switchboard_breaker_open", "1 while a target's circuit breaker is open",
                             ("target",), registry=r)
        self._breakers = breakers

    def answered(self, provider: str, model: str, member: str, status: int, seconds: float,
                 input_tokens: Any, output_tokens: Any, error_type: str = "") -> None:
        self.requests.labels(provider, model, member, str(status)).inc()
        self.latency.labels(provider).observe(seconds)
        if status >= 400:
            self.errors.labels(error_type or "api_error").inc()
        if isinstance(input_tokens, int) and input_tokens > 0:
            self.tokens.labels(provider, model, member, "input").inc(input_tokens)
        if isinstance(output_tokens, int) and output_tokens > 0:
            self.tokens.labels(provider, model, member, "output").inc(output_tokens)

    def first_token(self, provider: str, seconds: float) -> None:
        self.ttft.labels(provider).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        self.breaker.clear()
        for target, is_open in self._breakers():
            self.breaker.labels(target).set(is_open)
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

"""Prometheus metrics of one app instance, served at /metrics (never through the Ingress).

Requests by route template (not the raw path, so ids do not multiply the series) and status, with
latency histograms; chat turns by engine and tool calls by tool; the database pool, read at scrape time;
failed logins as a plain count (never an email). Each app has its own registry, so several apps in one
process (tests) do not share numbers; one uvicorn worker per pod (the chart's default) is one registry.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

from todo_api.core.gc_tuning import GcPauseCollector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 90.0)


class PoolCollector(Collector):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def collect(self):
        pool = self.engine.sync_engine.pool
        gauge = GaugeMetricFamily(
            "todo_db_pool_connections", "Database connections of the pool, by state", labels=["state"]
        )
        for state, method in (("checked_out", "checkedout"), ("idle", "checkedin"), ("overflow", "overflow")):
            reading = getattr(pool, method, None)
            if reading is not None:
                gauge.add_metric([state], max(reading(), 0))
        yield gauge


class Metrics:
    def __init__(self, engine: AsyncEngine) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "todo_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "todo_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.chat_turns = Counter(
            "todo_chat_turns", "Chat turns answered, by engine", ["engine"], registry=self.registry
        )
        # door: "chat" (the tools a chat turn ran) or "mcp" (every MCP call, the LLM agent's own included)
        self.tool_calls = Counter(
            "todo_tool_calls", "Task tool calls, by tool and door", ["tool", "door"], registry=self.registry
        )
        self.login_failures = Counter("todo_login_failures", "Failed logins", registry=self.registry)
        self.registry.register(PoolCollector(engine))
        self.registry.register(GcPauseCollector())
        # process_start_time_seconds and friends: rates "since start" need the start
        ProcessCollector(registry=self.registry)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

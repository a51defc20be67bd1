"""Garbage collection tuned for a request server, and measured.

CPython's cyclic collector stops the process while it runs. With the defaults (a young collection every 700
allocations, a full one every 100 young ones) a full collection walks every object the process holds: the
imported modules, pydantic's schemas, SQLAlchemy's metadata, all of it made once at start-up and alive until
exit. That walk took about 200 ms under load, in the middle of requests.

- `gc.freeze()` once the app has started moves everything made so far into a permanent generation that no
  collection walks again.
- A larger first threshold makes young collections rarer; the objects of a request mostly die by reference
  counting before any collection sees them.

Each pause is recorded (`gc.callbacks`) and served as the `todo_gc_pause_seconds` histogram on /metrics, so
the claim "no pause over 20 ms" can be checked on a running pod.
"""

import gc
import threading
import time

from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector

# (young, middle, old) collection thresholds; CPython's defaults are (700, 10, 10).
THRESHOLDS = (20_000, 20, 20)
PAUSE_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)


class GcPauses:
    """Counts of collector pauses by generation and duration bucket, for the whole process."""

    def __init__(self) -> None:
        # reentrant: a collection can start inside snapshot() (it allocates) and call back into this object
        self._lock = threading.RLock()
        self._started: float | None = None
        self.counts = {generation: [0] * (len(PAUSE_BUCKETS) + 1) for generation in range(3)}
        self.sums = dict.fromkeys(range(3), 0.0)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        if self._started is None:
            return
        seconds = time.perf_counter() - self._started
        self._started = None
        generation = info.get("generation", 2)
        index = next((i for i, bound in enumerate(PAUSE_BUCKETS) if seconds <= bound), len(PAUSE_BUCKETS))
        with self._lock:
            self.counts[generation][index] += 1
            self.sums[generation] += seconds

    def snapshot(self) -> tuple[dict[int, list[int]], dict[int, float]]:
        with self._lock:
            return {g: list(c) for g, c in self.counts.items()}, dict(self.sums)


PAUSES = GcPauses()
_installed = False


def install() -> None:
    """Measure every collection from now on (once per process, whatever number of apps it starts)."""
    global _installed  # noqa: PLW0603 - one set of callbacks per process, whatever number of apps it builds
    if not _installed:
        gc.callbacks.append(PAUSES)
        _installed = True


def tune_after_start_up() -> None:
    """Freeze what start-up made, raise the thresholds and measure from now on; called once the app is
    ready to serve (the one full collection here, before the first request, is not counted)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    install()


class GcPauseCollector(Collector):
    def collect(self):
        counts, sums = PAUSES.snapshot()
        family = HistogramMetricFamily(
            "todo_gc_pause_seconds", "Time the process stood still in garbage collection", labels=["generation"]
        )
        for generation in range(3):
            cumulative, buckets = 0, []
            for bound, count in zip((*PAUSE_BUCKETS, float("inf")), counts[generation], strict=True):
                cumulative += count
                buckets.append(("+Inf" if bound == float("inf") else str(bound), cumulative))
            family.add_metric([str(generation)], buckets, sums[generation])
        yield family

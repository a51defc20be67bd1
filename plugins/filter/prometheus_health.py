# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: prometheus_health
short_description: Summarise the todo-chatbot backend's Prometheus metrics
version_added: 0.1.0
description:
  - Reads the Prometheus text exposition of one or more backend pods (their C(/metrics)) and sums it into a short
    health summary since each process started; request rate, share of 5xx answers and the 95th percentile latency.
  - Only the metrics the backend exports are read; other lines are ignored.
author:
  - cloudnative.todo_chatbot contributors (@cloudnative)
options:
  _input:
    description: The exposition text of each pod.
    type: list
    elements: str
    required: true
  now:
    description: The current time (seconds since the epoch), to turn counts into rates.
    type: float
    required: true
"""

EXAMPLES = r"""
- name: Summarise
  ansible.builtin.debug:
    msg: "{{ [metrics_text] | cloudnative.todo_chatbot.prometheus_health(now=now(utc=true).timestamp()) }}"
"""

RETURN = r"""
_value:
  description: The summary.
  type: dict
  contains:
    requests:
      description: HTTP requests answered since start, all pods.
      type: int
    requests_per_second:
      description: Requests per second since the oldest pod started.
      type: float
    error_rate:
      description: Share of requests answered with a 5xx status, from 0 to 1.
      type: float
    p95_latency_ms:
      description:
        - 95th percentile latency in milliseconds (the upper bound of the histogram bucket it falls in).
        - Null without requests.
      type: float
    chat_turns:
      description: Chat turns answered since start.
      type: int
    login_failures:
      description: Failed logins since start.
      type: int
    uptime_seconds:
      description: Seconds since the oldest pod's backend process started.
      type: float
"""

import re

from ansible.errors import AnsibleFilterError

# label values are quoted and may hold braces (route="/api/{user_id}/tasks")
SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>(?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?\s+(?P<value>\S+)'
)
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _samples(text):
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if match:
            labels = dict(LABEL.findall(match.group("labels") or ""))
            yield match.group("name"), labels, float(match.group("value"))


def _p95_ms(buckets):
    total = buckets.get(float("inf"), 0.0)
    if total <= 0:
        return None
    bound = next(bound for bound in sorted(buckets) if buckets[bound] >= 0.95 * total)
    return None if bound == float("inf") else round(bound * 1000, 1)


def prometheus_health(texts, now):
    if isinstance(texts, str):
        texts = [texts]
    sums = {"requests": 0.0, "errors": 0.0, "chat_turns": 0.0, "login_failures": 0.0}
    counters = {"todo_chat_turns_total": "chat_turns", "todo_login_failures_total": "login_failures"}
    buckets = {}
    started = []
    for text in texts:
        if not isinstance(text, str):
            raise AnsibleFilterError("prometheus_health expects the text of /metrics, got %s" % type(text).__name__)
        for name, labels, value in _samples(text):
            if name == "todo_http_requests_total":
                sums["requests"] += value
                sums["errors"] += value if labels.get("status", "").startswith("5") else 0.0
            elif name == "todo_http_request_duration_seconds_bucket":
                bound = float("inf") if labels.get("le") == "+Inf" else float(labels.get("le", "inf"))
                buckets[bound] = buckets.get(bound, 0.0) + value
            elif name in counters:
                sums[counters[name]] += value
            elif name == "process_start_time_seconds":
                started.append(value)
    uptime = max(float(now) - min(started), 0.0) if started else 0.0
    requests = sums["requests"]
    return {
        "requests": int(requests),
        "requests_per_second": round(requests / uptime, 3) if uptime > 0 else 0.0,
        "error_rate": round(sums["errors"] / requests, 4) if requests else 0.0,
        "p95_latency_ms": _p95_ms(buckets),
        "chat_turns": int(sums["chat_turns"]),
        "login_failures": int(sums["login_failures"]),
        "uptime_seconds": round(uptime, 1),
    }


class FilterModule(object):
    def filters(self):
        return {"prometheus_health": prometheus_health}

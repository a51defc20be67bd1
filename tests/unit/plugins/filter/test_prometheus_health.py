"""The status playbook's metrics summary, on exposition text of the shape the backend serves."""

import pytest

from ansible_collections.cloudnative.todo_chatbot.plugins.filter.prometheus_health import prometheus_health

POD_A = """# HELP todo_http_requests_total HTTP requests answered
# TYPE todo_http_requests_total counter
todo_http_requests_total{method="GET",route="/api/{user_id}/tasks",status="200"} 90.0
todo_http_requests_total{method="POST",route="/api/{user_id}/chat",status="500"} 2.0
todo_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/api/{user_id}/tasks"} 80.0
todo_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/api/{user_id}/tasks"} 88.0
todo_http_request_duration_seconds_bucket{le="0.25",method="GET",route="/api/{user_id}/tasks"} 90.0
todo_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/{user_id}/tasks"} 90.0
todo_http_request_duration_seconds_bucket{le="0.01",method="POST",route="/api/{user_id}/chat"} 0.0
todo_http_request_duration_seconds_bucket{le="0.05",method="POST",route="/api/{user_id}/chat"} 1.0
todo_http_request_duration_seconds_bucket{le="0.25",method="POST",route="/api/{user_id}/chat"} 2.0
todo_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/api/{user_id}/chat"} 2.0
todo_chat_turns_total{engine="offline"} 2.0
todo_login_failures_total 3.0
process_start_time_seconds 1000.0
"""
POD_B = """todo_http_requests_total{method="GET",route="/healthz",status="200"} 8.0
todo_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/healthz"} 8.0
todo_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/healthz"} 8.0
todo_http_request_duration_seconds_bucket{le="0.25",method="GET",route="/healthz"} 8.0
todo_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz"} 8.0
process_start_time_seconds 1050.0
"""


def test_sums_pods_and_reads_rates_since_the_oldest_start():
    summary = prometheus_health([POD_A, POD_B], now=1100.0)
    assert summary == {
        "requests": 100,
        "requests_per_second": 1.0,
        "error_rate": 0.02,
        # 88 + 1 + 8 = 97 of 100 answered within 50 ms
        "p95_latency_ms": 50.0,
        "chat_turns": 2,
        "login_failures": 3,
        "uptime_seconds": 100.0,
    }


def test_no_requests_yet():
    summary = prometheus_health(["process_start_time_seconds 10.0\n"], now=20.0)
    assert summary["requests"] == 0
    assert summary["p95_latency_ms"] is None
    assert summary["error_rate"] == 0.0


def test_refuses_what_is_not_text():
    from ansible.errors import AnsibleFilterError

    with pytest.raises(AnsibleFilterError, match="expects the text of /metrics"):
        prometheus_health([{"not": "text"}], now=1.0)

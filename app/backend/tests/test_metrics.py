"""/metrics: Prometheus text the official parser reads, with the numbers of what happened."""

import secrets

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from todo_api.main import create_app


@pytest.fixture
def fresh(database_url, settings_factory):
    # its own app: counters start at zero
    with TestClient(create_app(settings_factory(database_url))) as client:
        yield client


def samples(client) -> dict[tuple, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_count_requests_by_route_template_turns_tools_and_failed_logins(fresh):
    email = f"metrics-{secrets.token_hex(4)}@example.com"
    body = fresh.post("/api/auth/signup", json={"email": email, "password": "correct horse battery"}).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    base = f"/api/{body['user']['id']}"
    for title in ("one", "two", "three"):
        fresh.post(f"{base}/tasks", json={"title": title}, headers=headers)
    fresh.get(f"{base}/tasks/999999", headers=headers)
    fresh.post(f"{base}/chat", json={"message": "add a task to water the plants"}, headers=headers)
    fresh.post("/api/auth/login", json={"email": email, "password": "not the password"})

    seen = samples(fresh)
    created = ("todo_http_requests_total", (("method", "POST"), ("route", "/api/{user_id}/tasks"), ("status", "201")))
    missing = (
        "todo_http_requests_total",
        (("method", "GET"), ("route", "/api/{user_id}/tasks/{task_id}"), ("status", "404")),
    )
    assert seen[created] == 3
    assert seen[missing] == 1
    assert seen[("todo_chat_turns_total", (("engine", "offline"),))] == 1
    assert seen[("todo_tool_calls_total", (("door", "chat"), ("tool", "add_task")))] == 1
    assert seen[("todo_login_failures_total", ())] == 1
    # latency histograms per route, and the pool read at scrape time
    assert (
        seen[("todo_http_request_duration_seconds_count", (("method", "POST"), ("route", "/api/{user_id}/tasks")))] == 3
    )
    assert ("todo_db_pool_connections", (("state", "checked_out"),)) in seen
    # counts only: no email, no raw path with ids
    text = fresh.get("/metrics").text
    assert email not in text
    assert "/tasks/999999" not in text


def test_metrics_are_not_in_the_api_schema(fresh):
    assert "/metrics" not in fresh.get("/api/openapi.json").json()["paths"]


def test_garbage_collection_pauses_are_measured_and_start_up_is_frozen(fresh):
    import gc

    from todo_api.core import gc_tuning

    # the app has started: what start-up made is frozen, and the young threshold is raised
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == gc_tuning.THRESHOLDS
    before = samples(fresh)
    gc.collect()
    after = samples(fresh)
    key = ("todo_gc_pause_seconds_count", (("generation", "2"),))
    assert after[key] >= before[key] + 1
    assert ("todo_gc_pause_seconds_bucket", (("generation", "0"), ("le", "0.02"))) in after

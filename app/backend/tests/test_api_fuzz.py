"""Schema-driven fuzzing: Schemathesis generates requests from the app's own OpenAPI document (valid and
invalid ones) and sends them, with a real token, to the app on PostgreSQL. Every answer must be a non-5xx
status the schema documents, with a body that matches the schema (Schemathesis's default checks).

Driven through Hypothesis directly, one pytest case per operation (Schemathesis's own pytest plugin does
not run under this pytest)."""

import secrets

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.postgres
EXAMPLES_PER_OPERATION = 40
OPERATIONS = [
    "GET /healthz",
    "GET /readyz",
    "POST /api/auth/signup",
    "POST /api/auth/login",
    "GET /api/auth/me",
    "DELETE /api/auth/me",
    "GET /api/{user_id}/tasks",
    "POST /api/{user_id}/tasks",
    "GET /api/{user_id}/tasks/{task_id}",
    "PUT /api/{user_id}/tasks/{task_id}",
    "DELETE /api/{user_id}/tasks/{task_id}",
    "PATCH /api/{user_id}/tasks/{task_id}/complete",
    "POST /api/{user_id}/chat",
    "GET /api/{user_id}/conversations",
    "GET /api/{user_id}/conversations/{conversation_id}",
]


@pytest.fixture(scope="module")
def server(database_url, live_server_factory, settings_factory):
    # Its own server: the fuzzer's failed logins must not throttle anybody else's tests.
    settings_for = lambda port: settings_factory(database_url, login_max_failures_per_client=10**6)  # noqa: E731
    with live_server_factory(settings_for) as url:
        yield url


@pytest.fixture(scope="module")
def fuzz_user(server):
    email = f"fuzz-{secrets.token_hex(4)}@example.com"
    body = httpx.post(f"{server}/api/auth/signup", json={"email": email, "password": "correct horse battery"}).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    base = f"{server}/api/{body['user']['id']}"
    for title in ("Buy milk", "Call mom"):
        httpx.post(f"{base}/tasks", json={"title": title}, headers=headers)
    httpx.post(f"{base}/chat", json={"message": "show my tasks"}, headers=headers)
    return body["user"]["id"], body["access_token"]


@pytest.fixture(scope="module")
def operations(server):
    schema = schemathesis.openapi.from_url(f"{server}/api/openapi.json")
    schema.config.update(base_url=server)
    return {operation.ok().label: operation.ok() for operation in schema.get_all_operations()}


def test_the_fuzzer_covers_every_operation(operations):
    assert sorted(operations) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_generated_requests_get_documented_answers_and_never_a_5xx(operations, fuzz_user, label):
    user_id, token = fuzz_user

    @given(case=operations[label].as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case):
        # Mostly the caller's own id, so that requests reach the handlers; other users' ids are the
        # authorization tests' business.
        if case.path_parameters and "user_id" in case.path_parameters:
            case.path_parameters["user_id"] = user_id
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

    fuzz()

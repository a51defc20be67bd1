import contextlib
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from todo_api.core.security import create_access_token
from todo_api.db_connect import DatabaseUnavailable
from todo_api.main import create_app


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_database_is_reachable(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


@contextmanager
def silent_server() -> Iterator[int]:
    """A loopback port that takes TCP connections and never says a word: a database that does not answer."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.parametrize("database", ["refusing", "silent"])
def test_an_unreachable_database_is_a_quick_503_and_the_pod_stays_ready(settings_factory, database):
    with contextlib.ExitStack() as stack:
        # Port 1 on loopback refuses at once; the silent server lets every connect wait for its deadline.
        port = 1 if database == "refusing" else stack.enter_context(silent_server())
        settings = settings_factory(f"postgresql+psycopg://todo:todo@127.0.0.1:{port}/nothing", db_connect_timeout=0.5)
        down_client = stack.enter_context(TestClient(create_app(settings)))
        token = create_access_token(settings, 1)
        headers = {"Authorization": f"Bearer {token}"}

        # The first request pays at most the connect's deadline...
        first, first_seconds = _timed(lambda: down_client.get("/api/1/tasks", headers=headers))
        assert first.status_code == 503
        assert first.headers["Retry-After"] == "1"
        assert first.json() == {"detail": DatabaseUnavailable.MESSAGE}
        assert first_seconds < 1.5
        # ... the next ones, through either pool, are answered at once with the same 503 (the breaker).
        for method, path in [("GET", "/api/1/tasks"), ("GET", "/api/1/tasks/1"), ("GET", "/api/auth/me")]:
            response, seconds = _timed(lambda: down_client.request(method, path, headers=headers))  # noqa: B023
            assert (response.status_code, response.json()) == (503, first.json()), path
            assert response.headers["Retry-After"] == "1"
            assert seconds < 0.2, (path, seconds)
        signup, _ = _timed(
            lambda: down_client.post("/api/auth/signup", json={"email": "a@example.com", "password": "x" * 12})
        )
        assert signup.status_code == 503
        # Readiness does not follow the database, and says what it knows in time for the probe (2 s).
        ready, ready_seconds = _timed(lambda: down_client.get("/readyz"))
        assert (ready.status_code, ready.json()) == (200, {"status": "ready", "database": "unavailable"})
        assert ready_seconds < 1.5
        assert down_client.get("/healthz").status_code == 200


def test_readyz_is_503_while_the_app_stops_and_healthz_stays_200(settings):
    with TestClient(create_app(settings)) as stopping_client:
        assert stopping_client.get("/readyz").status_code == 200
        stopping_client.app.state.lifecycle.stop()  # what SIGTERM does (core/lifecycle.py)
        response = stopping_client.get("/readyz")
        assert (response.status_code, response.json()) == (503, {"status": "stopping"})
        assert stopping_client.get("/healthz").status_code == 200


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/healthz", headers={"X-Request-ID": "trace-abc.123"}).headers["x-request-id"] == "trace-abc.123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    assert generated != "bad id\twith spaces"
    assert len(generated) == 32


def test_json_access_log_carries_request_id(settings, capsys):
    with TestClient(create_app(settings.model_copy(update={"log_level": "INFO"}))) as info_client:
        info_client.get("/healthz", headers={"X-Request-ID": "log-check-42"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("request_id") == "log-check-42"]
    assert access, lines
    assert access[0]["path"] == "/healthz"
    assert access[0]["status"] == 200
    assert access[0]["level"] == "INFO"


def test_unexpected_error_gives_500_without_stack_trace(settings, user, monkeypatch):
    from todo_api.services import tasks as task_service

    async def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(task_service, "task_page_json", broken)
    with TestClient(create_app(settings), raise_server_exceptions=False) as failing_client:
        response = failing_client.get(user.url("/tasks"), headers=user.headers)
    assert response.status_code == 500
    assert response.json()["detail"] == "Internal server error"
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


def test_cors_is_off_by_default(client):
    preflight = client.options(
        "/api/auth/login",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_configured_origins_only(settings):
    app = create_app(settings.model_copy(update={"cors_origins": "https://app.example, https://other.example"}))
    with TestClient(app) as cors_client:
        allowed = cors_client.options(
            "/api/auth/login", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
        )
        denied = cors_client.options(
            "/api/auth/login", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in denied.headers


@pytest.fixture
def spa_dir(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Todo SPA</title>")
    (tmp_path / "assets" / "app-1234.js").write_text("console.log('app')")
    (tmp_path.parent / "secret.txt").write_text("outside the static dir")
    return tmp_path


def test_static_dir_serves_spa_with_history_fallback(settings, spa_dir):
    with TestClient(create_app(settings.model_copy(update={"static_dir": str(spa_dir)}))) as spa_client:
        assert "Todo SPA" in spa_client.get("/").text
        asset = spa_client.get("/assets/app-1234.js")
        assert asset.text == "console.log('app')"
        assert "immutable" in asset.headers["cache-control"]
        # A client-side route: the SPA's index answers so the router can take over after a reload.
        assert "Todo SPA" in spa_client.get("/tasks/completed").text
        assert "outside" not in spa_client.get("/../secret.txt").text
        assert "outside" not in spa_client.get("/%2e%2e/secret.txt").text
        # API paths keep real 404s instead of the SPA page.
        assert spa_client.get("/api/nope").status_code == 404
        assert spa_client.get("/healthz").json() == {"status": "ok"}

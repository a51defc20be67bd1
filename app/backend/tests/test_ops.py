import json

import pytest
from fastapi.testclient import TestClient

from todo_api.main import create_app


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_database_is_reachable(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_is_503_when_database_is_unreachable(settings_factory):
    # Port 1 on loopback: nothing listens there, so every connection attempt is refused.
    unreachable = settings_factory("postgresql+psycopg://todo:todo@127.0.0.1:1/nothing", db_pool_timeout=2)
    with TestClient(create_app(unreachable)) as down_client:
        response = down_client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert down_client.get("/healthz").status_code == 200


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

"""The `helm test` pod's script, taken from the rendered chart, run against the real backend.

The backend runs as the chart runs it: `python -m todo_api.migrate` first (the init container's
command), then the ASGI app with APP_ENV=production and the chart's environment, on a fresh
PostgreSQL database next to TEST_DATABASE_URL (tests/harness: without PostgreSQL, skipped, or failed in CI).
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from harness.backend import backend_env, free_port, running_backend
from harness.postgres import fresh_database, libpq_url, migrate

pytestmark = pytest.mark.postgres


def helm_test_command(rendered) -> list[str]:
    (pod,) = rendered.of_kind("Pod")
    container = pod["spec"]["containers"][0]
    return [sys.executable, *container["command"][1:], *container["args"]]


def run_helm_test(rendered, backend_url: str, **env: str) -> subprocess.CompletedProcess:
    """The helm test pod's script, run here against backend_url (READY_WAIT_SECONDS etc. in env)."""
    return subprocess.run(
        helm_test_command(rendered),
        env={**os.environ, "BACKEND_URL": backend_url, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def database_url():
    with fresh_database("helmtest") as url:
        yield url


@pytest.fixture
def backend_url(database_url, tmp_path):
    """The backend as the chart runs it: migrations first, then the app with APP_ENV=production and the
    offline agent (the chart's defaults set no OPENAI_API_KEY)."""
    migrate(database_url)
    env = backend_env(database_url, APP_ENV="production", LOG_LEVEL="WARNING")
    with running_backend(env, log_path=tmp_path / "uvicorn.log") as backend:
        yield backend.url


def test_helm_test_passes_against_the_real_backend_and_leaves_no_account_behind(
    default_render, backend_url, database_url
):
    result = run_helm_test(default_render, backend_url)
    assert result.returncode == 0, result.stderr
    assert "helm test passed: /readyz ready, chat ran add_task" in result.stdout
    assert "test account deleted" in result.stdout
    with psycopg.connect(libpq_url(database_url)) as connection:
        for table in ("users", "tasks", "conversations", "messages"):
            assert connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table  # noqa: S608


class _NotReadyHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "not ready"}')

    def log_message(self, *args):
        pass


def test_helm_test_fails_when_the_backend_is_not_ready(default_render):
    server = http.server.HTTPServer(("127.0.0.1", 0), _NotReadyHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run_helm_test(default_render, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert result.returncode != 0
    assert "helm test failed: /readyz answered 503" in result.stderr


def test_helm_test_waits_for_a_backend_it_cannot_reach_yet(default_render):
    # As under a NetworkPolicy controller that admits the new test pod a few seconds after it starts:
    # connections fail at first, then reach the backend (here one that is not ready, so the test ends).
    port = free_port()

    def serve_late():
        time.sleep(3)
        server = http.server.HTTPServer(("127.0.0.1", port), _NotReadyHandler)
        server.timeout = 20
        server.handle_request()
        server.server_close()

    threading.Thread(target=serve_late, daemon=True).start()
    started = time.monotonic()
    result = run_helm_test(default_render, f"http://127.0.0.1:{port}", READY_WAIT_SECONDS="30")
    assert time.monotonic() - started >= 3
    assert "helm test failed: /readyz answered 503" in result.stderr


def test_helm_test_gives_up_on_an_unreachable_backend_with_a_clear_message(default_render):
    result = run_helm_test(default_render, f"http://127.0.0.1:{free_port()}", READY_WAIT_SECONDS="2")
    assert result.returncode != 0
    assert "was not reachable for 2 s" in result.stderr
    assert "Traceback" not in result.stderr

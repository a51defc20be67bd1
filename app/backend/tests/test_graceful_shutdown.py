"""SIGTERM, as Kubernetes sends it after the preStop sleep: the server stops taking connections, the request in
flight finishes with its own answer, the app marks itself stopping (/readyz 503), and the process exits by itself
within UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN (the image's setting) instead of being killed."""

import re
import signal
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from harness.backend import BACKEND_DIR, backend_env, running_backend

from todo_api.db_connect import libpq_url


def _image_setting(name: str) -> str:
    match = re.search(rf"\b{name}=(\S+)", (BACKEND_DIR / "Dockerfile").read_text())
    assert match, f"the Dockerfile sets no {name}"
    return match.group(1)


def _wait_for_lock_waiter(admin: psycopg.Connection, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        ).fetchone()[0]
        if waiting:
            return
        time.sleep(0.02)
    pytest.fail("the request never reached the database")


def test_sigterm_lets_the_request_in_flight_finish_then_the_process_exits(database_url, tmp_path: Path):
    grace = _image_setting("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN")
    env = backend_env(database_url, LOG_LEVEL="INFO", UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN=grace)
    log_path = tmp_path / "uvicorn.log"
    with running_backend(env, log_path=log_path) as backend:
        email = f"shutdown-{time.monotonic_ns()}@example.com"
        signed_up = httpx.post(f"{backend.url}/api/auth/signup", json={"email": email, "password": "correct horse 1"})
        assert signed_up.status_code == 201, signed_up.text
        user_id, token = signed_up.json()["user"]["id"], signed_up.json()["access_token"]
        answers: list[httpx.Response] = []

        with (
            psycopg.connect(libpq_url(database_url)) as holder,
            psycopg.connect(libpq_url(database_url), autocommit=True) as admin,
        ):
            # A slow request: its task needs the user's row, which this transaction holds.
            holder.execute("SELECT 1 FROM users WHERE id = %s FOR UPDATE", (user_id,))
            slow = threading.Thread(
                target=lambda: answers.append(
                    httpx.post(
                        f"{backend.url}/api/{user_id}/tasks",
                        json={"title": "finished after SIGTERM"},
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=30,
                    )
                )
            )
            slow.start()
            _wait_for_lock_waiter(admin)
            signalled_at = time.monotonic()
            backend.process.send_signal(signal.SIGTERM)
            time.sleep(1)
            assert backend.process.poll() is None, "the server quit with a request in flight"
            with pytest.raises(httpx.ConnectError):  # new connections are no longer taken: the endpoint goes away
                httpx.get(f"{backend.url}/healthz", timeout=2)
            holder.rollback()
        slow.join(timeout=30)
        backend.process.wait(timeout=float(grace) + 10)
        stopped_after = time.monotonic() - signalled_at

    assert [answer.status_code for answer in answers] == [201], [answer.text for answer in answers]
    assert answers[0].json()["title"] == "finished after SIGTERM"
    # uvicorn ends a graceful stop by raising the signal it caught again, with its default action (exit 143 in a pod).
    assert backend.process.returncode == -signal.SIGTERM
    log = log_path.read_text()
    # The app knew it was stopping from the signal on, before the request in flight was answered.
    stopping = log.find("stopping: /readyz answers 503")
    answered = log.find(f'"path": "/api/{user_id}/tasks", "status": 201')
    assert 0 <= stopping < answered, log
    assert "Cancel" not in log, log  # uvicorn did not have to cancel the request at its graceful timeout
    assert stopped_after < float(grace)

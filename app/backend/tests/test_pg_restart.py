"""The connection pool recovers when PostgreSQL restarts under a running app (deselect with -m "not pg_restart")."""

import os
import shutil
import subprocess
import time

import pytest

# "<version> <cluster>" as pg_ctlcluster takes them; the Debian default cluster unless told otherwise.
PG_CLUSTER = os.environ.get("TEST_PG_CLUSTER", "15 main").split()


def _wait_until_accepting(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode == 0:
            return
        time.sleep(0.5)
    pytest.fail("PostgreSQL did not come back after the restart")


@pytest.mark.pg_restart
@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="needs Debian's pg_ctlcluster to restart PostgreSQL")
def test_next_request_succeeds_after_postgresql_restart(client, user):
    created = client.post(user.url("/tasks"), json={"title": "Survive a restart"}, headers=user.headers)
    assert created.status_code == 201
    # Fill the pool with live connections first, so stale ones exist after the restart.
    for _ in range(5):
        assert client.get(user.url("/tasks"), headers=user.headers).status_code == 200

    subprocess.run(["pg_ctlcluster", *PG_CLUSTER, "restart"], check=True, timeout=120)
    _wait_until_accepting()

    listed = client.get(user.url("/tasks"), headers=user.headers)
    assert listed.status_code == 200, listed.text
    assert [task["title"] for task in listed.json()] == ["Survive a restart"]
    assert client.post(user.url("/tasks"), json={"title": "After"}, headers=user.headers).status_code == 201
    assert client.get("/readyz").json() == {"status": "ready", "database": "ok"}
    chat = client.post(user.url("/chat"), json={"message": "show my tasks"}, headers=user.headers)
    assert chat.status_code == 200
    assert "Survive a restart" in chat.json()["response"]

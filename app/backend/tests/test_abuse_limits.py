"""Limits on what one client can make the server do: body size, failed logins, password hashing,
and what error replies and logs give away."""

import contextlib
import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from harness.backend import BACKEND_DIR, HTTP_PROTOCOL, backend_env, process_tree_cpu_seconds, running_backend

from todo_api.main import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def app_with(database_url, settings_factory):
    """A separate app (its own throttles and limits), so these tests leave the shared client alone."""
    clients = []

    def make(**overrides):
        client = TestClient(create_app(settings_factory(database_url, **overrides)))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def signup(client, email, password=PASSWORD):
    return client.post("/api/auth/signup", json={"email": email, "password": password})


def login(client, email, password=PASSWORD, **kwargs):
    return client.post("/api/auth/login", json={"email": email, "password": password}, **kwargs)


# ---- request size


def test_a_body_declared_larger_than_the_limit_is_refused_unread(live_server_factory, settings_factory, database_url):
    with live_server_factory(lambda port: settings_factory(database_url, max_request_bytes=65536)) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(
                b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 104857600\r\n\r\n{"
            )
            answer = conn.recv(4096).decode(errors="replace")
        assert answer.startswith("HTTP/1.1 413"), answer[:200]


def test_a_chunked_body_over_the_limit_is_refused(live_server_factory, settings_factory, database_url):
    def chunks():
        for _ in range(200):
            yield b" " * 1024

    with live_server_factory(lambda port: settings_factory(database_url, max_request_bytes=65536)) as url:
        response = httpx.post(f"{url}/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 65536 bytes."}


# ---- request line and headers: bounded whichever HTTP parser reads them

HEAD_LIMIT = 16384  # uvicorn's h11_max_incomplete_event_size by default, which both parsers apply here
# The parsers a deployment may run: the image's (httptools, bounded by todo_api/http_protocol.py: 431 past the
# limit) and h11 (bounded by uvicorn itself: 400 once an unfinished head passes the limit).
PARSERS = {"httptools, the image's": (), "h11": ("--http", "h11")}
OVERSIZED_HEADS = {
    "request line": b"GET /healthz?q=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "one header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
    "many headers": b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    + b"".join(b"X-Many-%d: %s\r\n" % (n, b"a" * 40) for n in range(400))
    + b"\r\n",
    "chunked trailer": b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: " + b"a" * 20_000 + b"\r\n\r\n",
}


@pytest.fixture(scope="module")
def uvicorn_servers(database_url, tmp_path_factory):
    """`uvicorn todo_api.main:app` in child processes, as the image runs it, one per parser."""
    with contextlib.ExitStack() as stack:
        servers = {}
        for parser, uvicorn_args in PARSERS.items():
            log_path = tmp_path_factory.mktemp("uvicorn") / "uvicorn.log"
            env = backend_env(database_url, LOG_LEVEL="WARNING")
            servers[parser] = stack.enter_context(running_backend(env, log_path=log_path, uvicorn_args=uvicorn_args))
        yield servers


def exchange(url: str, request: bytes) -> bytes:
    """Send a request on a new connection and read until the server closes it."""
    host, port = url.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("request_bytes", list(OVERSIZED_HEADS.values()), ids=list(OVERSIZED_HEADS))
def test_a_request_head_over_the_limit_gets_431_and_a_closed_connection(uvicorn_servers, request_bytes):
    answer = exchange(uvicorn_servers["httptools, the image's"].url, request_bytes)  # returns once it is closed
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"), answer[:200]
    assert answer.endswith(b'{"detail": "The request line and headers are larger than 16384 bytes."}')


def test_a_request_head_of_the_limit_is_served(uvicorn_servers):
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
    request = head + b"a" * (HEAD_LIMIT - len(head) - 4) + b"\r\n\r\n"
    assert len(request) == HEAD_LIMIT
    assert exchange(uvicorn_servers["httptools, the image's"].url, request).startswith(b"HTTP/1.1 200 ")


def test_keep_alive_requests_with_bodies_each_get_their_own_limit(uvicorn_servers):
    # Each request on a connection is counted from zero, and a body never counts.
    body = b'{"email": "nobody@example.com", "password": "' + b"p" * 60_000 + b'"}'
    head = b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Pad: "
    head += b"a" * 10_000 + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
    url = uvicorn_servers["httptools, the image's"].url
    answer = exchange(url, (head + body) * 3 + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)
    assert statuses == [b"422", b"422", b"422", b"200"], answer[:300]


@pytest.mark.parametrize("parser", list(PARSERS))
def test_an_endless_header_is_cut_off_cheaply_while_others_are_answered(uvicorn_servers, parser):
    backend = uvicorn_servers[parser]
    host, port = backend.url.removeprefix("http://").split(":")
    health_seconds = []
    sending = threading.Event()

    def poll_health() -> None:
        with httpx.Client(base_url=backend.url, timeout=30) as other_client:
            while sending.is_set():
                started = time.monotonic()
                assert other_client.get("/healthz").status_code == 200
                health_seconds.append(time.monotonic() - started)
                time.sleep(0.01)

    sending.set()
    poller = threading.Thread(target=poll_health)
    poller.start()
    while not health_seconds and poller.is_alive():  # the other client is answered before the header starts
        time.sleep(0.01)
    cpu_before = process_tree_cpu_seconds(backend.process.pid)
    sent_megabytes = 0
    try:
        with socket.create_connection((host, int(port)), timeout=30) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
            with contextlib.suppress(OSError):  # the server closed the connection: what this test wants
                for _ in range(64):
                    time.sleep(0.005)  # leave the poller a turn even when nothing stops the sender
                    conn.sendall(b"a" * 2**20)
                    sent_megabytes += 1
        cpu_seconds = process_tree_cpu_seconds(backend.process.pid) - cpu_before
    finally:
        time.sleep(0.1)
        sending.clear()
        poller.join()
    assert sent_megabytes < 64, "the server read a 64 MB header to its end"
    assert cpu_seconds < 0.5, f"the server spent {cpu_seconds:.2f} CPU seconds on one header"
    assert len(health_seconds) > 1
    assert max(health_seconds) < 0.25, f"/healthz waited {max(health_seconds):.2f} s"


def test_the_image_serves_with_the_bounded_protocol():
    # The servers above run what the harness runs: the image must run the same.
    assert f"UVICORN_HTTP={HTTP_PROTOCOL}" in (BACKEND_DIR / "Dockerfile").read_text()


def test_thousands_of_unknown_fields_get_a_short_422(client):
    body = {"email": "someone@example.com", "password": PASSWORD} | {f"field{n}": 1 for n in range(4000)}
    response = client.post("/api/auth/login", content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    details = response.json()["detail"]
    assert len(details) == 11
    assert details[-1]["msg"] == "and 3990 more errors"
    assert len(response.content) < 2000


def test_a_rejected_password_is_never_echoed(client):
    secret = "hunter2-" + "x" * 200  # too long: refused
    response = client.post("/api/auth/signup", json={"email": "echo@example.com", "password": secret})
    assert response.status_code == 422
    assert "hunter2" not in response.text


# ---- failed logins


def test_failed_logins_for_one_account_are_throttled_with_retry_after(app_with):
    client = app_with(login_max_failures_per_account=5, login_window_seconds=2)
    # the throttle's own clock, moved by the test: slow hashing on a busy machine must not age the failures
    now = [1000.0]
    throttle = client.app.state.login_throttle
    throttle.accounts.clock = throttle.clients.clock = lambda: now[0]
    assert signup(client, "victim@example.com").status_code == 201
    assert [login(client, "victim@example.com", "wrong password!").status_code for _ in range(5)] == [401] * 5
    # even the right password waits now: the attacker learns nothing from the 6th try
    refused = login(client, "victim@example.com")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 2
    # another account is not affected
    assert signup(client, "bystander@example.com").status_code == 201
    assert login(client, "bystander@example.com").status_code == 200
    now[0] += 2.1
    assert login(client, "victim@example.com").status_code == 200


def test_failed_logins_from_one_client_are_throttled_across_accounts(app_with):
    client = app_with(login_max_failures_per_account=100, login_max_failures_per_client=8, login_window_seconds=60)
    statuses = [login(client, f"nobody{n}@example.com", "wrong password!").status_code for n in range(10)]
    assert statuses == [401] * 8 + [429] * 2


def test_a_successful_login_clears_the_account_s_failures(app_with):
    client = app_with(login_max_failures_per_account=3, login_window_seconds=60)
    signup(client, "forgetful@example.com")
    for _ in range(2):
        assert login(client, "forgetful@example.com", "wrong password!").status_code == 401
    assert login(client, "forgetful@example.com").status_code == 200
    for _ in range(2):
        assert login(client, "forgetful@example.com", "wrong password!").status_code == 401
    assert login(client, "forgetful@example.com").status_code == 200


# ---- password hashing


def test_at_most_the_configured_number_of_hashes_run_at_once(
    live_server_factory, settings_factory, database_url, monkeypatch
):
    from todo_api.services import users

    running, peak, lock = 0, 0, threading.Lock()
    real_hash = users.hash_password

    def counting_hash(password):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.05)
            return real_hash(password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(users, "hash_password", counting_hash)
    settings_for = lambda port: settings_factory(database_url, password_hash_concurrency=2)  # noqa: E731
    with live_server_factory(settings_for) as url, ThreadPoolExecutor(12) as pool:
        statuses = list(
            pool.map(
                lambda n: (
                    httpx.post(
                        f"{url}/api/auth/signup",
                        json={"email": f"burst{n}-{time.time_ns()}@example.com", "password": PASSWORD},
                        timeout=60,
                    ).status_code
                ),
                range(12),
            )
        )
    assert statuses == [201] * 12
    assert peak == 2


# ---- passwords (NIST SP 800-63B)


@pytest.mark.parametrize("password", ["password", "12345678", "Qwertyuiop", "iloveyou", "PASSWORD1"])
def test_common_passwords_are_refused(client, password):
    response = signup(client, f"common-{password.lower()}@example.com", password)
    assert response.status_code == 422
    assert "common" in response.json()["detail"]


def test_the_email_is_not_a_password(client):
    assert signup(client, "samesame@example.com", "samesame@example.com").status_code == 422
    assert signup(client, "samesame@example.com", "SameSame").status_code == 422


def test_a_password_is_kept_exactly_as_typed(client):
    spaced = "  two words and spaces  "
    assert signup(client, "spaces@example.com", spaced).status_code == 201
    assert login(client, "spaces@example.com", spaced).status_code == 200
    assert login(client, "spaces@example.com", spaced.strip()).status_code == 401


# ---- what errors and logs give away


async def _failing_insert(engine, marker):
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_api.models import Task

    async with AsyncSession(engine) as session:
        session.add(Task(user_id=2_000_000_000, number=1, title=marker))  # no such user: a foreign-key violation
        await session.commit()


def test_database_errors_carry_no_sql_parameters(database_url, settings_factory):
    import asyncio

    from sqlalchemy.exc import IntegrityError

    from todo_api.db import create_app_engine

    engine = create_app_engine(settings_factory(database_url))
    marker = "secret-title-7f3a9c"
    with pytest.raises(IntegrityError) as error:
        asyncio.run(_failing_insert(engine, marker))
    asyncio.run(engine.dispose())
    assert marker not in str(error.value)
    assert "SQL parameters hidden" in str(error.value)


# ---- the schema tells clients every status


def test_every_endpoint_documents_its_error_statuses(client):
    schema = client.get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"401", "404", "413", "422", "429", "431"} <= documented, (method, path, documented)


# ---- timestamps


def _assert_utc(stamp: str) -> None:
    from datetime import datetime, timedelta

    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert parsed.utcoffset() == timedelta(0), stamp


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_timestamps_come_back_with_their_time_zone_from_every_database(
    backend, database_url, settings_factory, tmp_path
):
    from todo_api.migrate import run_migrations

    url = database_url if backend == "postgresql" else f"sqlite:///{tmp_path}/todo.db"
    if backend == "sqlite":
        run_migrations(url)
    with TestClient(create_app(settings_factory(url))) as client:
        body = signup(client, f"tz-{backend}-{time.time_ns()}@example.com").json()
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        base = f"/api/{body['user']['id']}"
        task = client.post(f"{base}/tasks", json={"title": "Check the clock"}, headers=headers).json()
        listed = client.get(f"{base}/tasks", headers=headers).json()[0]
        chat = client.post(f"{base}/chat", json={"message": "show my tasks"}, headers=headers).json()
        conversation = client.get(f"{base}/conversations/{chat['conversation_id']}", headers=headers).json()
    for stamp in (
        task["created_at"],
        listed["updated_at"],
        conversation["created_at"],
        conversation["messages"][0]["created_at"],
    ):
        _assert_utc(stamp)

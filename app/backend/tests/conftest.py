"""Shared fixtures: a throw-away PostgreSQL database per test session, the app, users, a live server.

TEST_DATABASE_URL names a PostgreSQL server and a database we may connect to; every run creates its
own databases next to it (random names) and drops them at the end, so runs never see each other's data.
"""

import importlib.util
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from todo_api.core.config import Settings
from todo_api.main import create_app
from todo_api.migrate import run_migrations

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://todo:todo@127.0.0.1:5432/todo_test")
TEST_JWT_SECRET = "test-only-jwt-secret-0123456789abcdef"
PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(items):
    # Everything in this directory runs against the real PostgreSQL server.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.postgres)


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _admin_connection() -> psycopg.Connection:
    # Retried because a test may have just restarted the PostgreSQL server.
    for _ in range(30):
        try:
            return psycopg.connect(libpq_url(TEST_DATABASE_URL), autocommit=True, connect_timeout=3)
        except psycopg.OperationalError:
            time.sleep(1)
    return psycopg.connect(libpq_url(TEST_DATABASE_URL), autocommit=True, connect_timeout=3)


@contextmanager
def temporary_database(label: str) -> Iterator[str]:
    """Create an empty database with a random name; yield its SQLAlchemy URL; drop it afterwards."""
    name = f"todo_{label}_{secrets.token_hex(4)}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(database_url: str, **overrides) -> Settings:
    values = {
        "database_url": database_url,
        "jwt_secret": TEST_JWT_SECRET,
        "app_env": "development",
        "openai_api_key": None,
        "openai_base_url": None,
        "log_level": "WARNING",
        "static_dir": None,
        "cors_origins": "",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with temporary_database("session") as url:
        run_migrations(url)
        yield url


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    with temporary_database("empty") as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@dataclass
class ApiUser:
    id: int
    email: str
    token: str
    password: str = PASSWORD

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str = "") -> str:
        return f"/api/{self.id}{path}"


def sign_up(client: TestClient) -> ApiUser:
    email = f"user-{secrets.token_hex(6)}@example.com"
    response = client.post("/api/auth/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    return ApiUser(id=body["user"]["id"], email=email, token=body["access_token"])


@pytest.fixture
def make_user(client: TestClient):
    """Sign up a fresh user (random email) through the API."""
    return lambda test_client=None: sign_up(test_client or client)


@pytest.fixture
def user(client: TestClient) -> ApiUser:
    return sign_up(client)


@pytest.fixture
def other_user(client: TestClient) -> ApiUser:
    return sign_up(client)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(settings_for_port) -> Iterator[str]:
    """Run the real app under uvicorn on a free loopback port; yield its base URL."""
    port = free_port()
    app = create_app(settings_for_port(port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture(scope="session")
def settings_factory():
    """make_settings(database_url, **overrides): Settings for an app under test."""
    return make_settings


@pytest.fixture(scope="session")
def live_server_factory():
    """live_server(settings_for_port): context manager running the app under uvicorn."""
    return live_server


@pytest.fixture(scope="session")
def database_factory():
    """temporary_database(label): context manager yielding the URL of a new empty database."""
    return temporary_database


def _load_fixture_module(name: str):
    # Loaded by path: this directory is not a package, and the repo root has its own tests/ tree.
    path = Path(__file__).parent / "fixtures" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"todo_api_test_fixture_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fake_openai():
    """The fake OpenAI-compatible server fixture (tests/fixtures/fake_openai_server.py), started on loopback."""
    server = _load_fixture_module("fake_openai_server").FakeOpenAIServer().start()
    yield server
    server.stop()

"""Shared fixtures: a throw-away PostgreSQL database per test session, the app, users, a live server.

TEST_DATABASE_URL names a PostgreSQL server and a database we may connect to; every run creates its
own databases next to it (random names) and drops them at the end, so runs never see each other's data.
The databases and the live server come from the shared test harness (tests/harness, on the root
pyproject's pythonpath: these tests run from the repository root), with its rule for a missing server:
a failure in CI, a skip with a how-to elsewhere.
"""

import importlib.util
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from harness.backend import free_port, serving_app
from harness.postgres import fresh_database, migrate

from todo_api.core.config import Settings
from todo_api.main import create_app

TEST_JWT_SECRET = "test-only-jwt-secret-0123456789abcdef"
PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(items):
    # Everything in this directory runs against the real PostgreSQL server.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.postgres)


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
    with fresh_database("session") as url:
        migrate(url)
        yield url


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    with fresh_database("empty") as url:
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


@contextmanager
def live_server(settings_for_port) -> Iterator[str]:
    """Run the real app under uvicorn in this process on a free loopback port; yield its base URL.

    settings_for_port(port) gives the app's Settings (the port is not known before)."""
    port = free_port()
    with serving_app(create_app(settings_for_port(port)), port=port) as url:
        yield url


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
    """fresh_database(label): context manager yielding the URL of a new empty database."""
    return fresh_database


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

"""Fixtures for the end-to-end browser test.

They put together what a person would use: the built frontend served by the
real backend (STATIC_DIR) on a fresh database of the real PostgreSQL server,
and Debian's headless Chromium driven by Playwright.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from harness.browser import launch_chromium

REPO_ROOT = Path(__file__).resolve().parents[2]
FRONTEND_DIR = REPO_ROOT / "app" / "frontend"
BACKEND_DIR = REPO_ROOT / "app" / "backend"
DIST_INDEX = FRONTEND_DIR / "dist" / "index.html"

# What the built bundle depends on: when any of these is newer than dist/, the
# test rebuilds, so it never passes against a stale bundle.
FRONTEND_INPUTS = (
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
)


# The browser test exercises the offline engine: no LLM is reachable here, and
# the replies must not depend on one.
LLM_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL")


def _newest_mtime(path: Path) -> float:
    if path.is_file():
        return path.stat().st_mtime
    return max(
        (item.stat().st_mtime for item in path.rglob("*") if item.is_file()),
        default=0.0,
    )


def _frontend_is_stale() -> bool:
    if not DIST_INDEX.exists():
        return True
    built_at = DIST_INDEX.stat().st_mtime
    return any(
        _newest_mtime(FRONTEND_DIR / name) > built_at for name in FRONTEND_INPUTS if (FRONTEND_DIR / name).exists()
    )


def _run_npm(*args: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH; it is needed to build app/frontend (install Node.js 18+ and npm).")
    result = subprocess.run(
        [npm, *args],
        cwd=FRONTEND_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`npm {' '.join(args)}` failed in {FRONTEND_DIR}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    """app/frontend/dist, built here when it is missing or older than its sources."""
    if _frontend_is_stale():
        installed_lock = FRONTEND_DIR / "node_modules" / ".package-lock.json"
        lock_file = FRONTEND_DIR / "package-lock.json"
        if not installed_lock.exists() or installed_lock.stat().st_mtime < lock_file.stat().st_mtime:
            _run_npm("ci", "--no-audit", "--no-fund")
        _run_npm("run", "build")
    return DIST_INDEX.parent


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh, empty database on the real PostgreSQL server from TEST_DATABASE_URL, dropped afterwards."""
    base_url = os.environ.get("TEST_DATABASE_URL")
    if not base_url:
        pytest.fail(
            "TEST_DATABASE_URL is not set; the browser test runs against a real PostgreSQL server, e.g. "
            "TEST_DATABASE_URL=postgresql+psycopg://todo:todo@127.0.0.1:5432/todo_test"
        )
    import psycopg
    from sqlalchemy.engine import make_url

    admin_url = make_url(base_url)
    database_name = f"todo_e2e_{secrets.token_hex(6)}"
    libpq_url = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database_name}"')
    try:
        yield admin_url.set(database=database_name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, characters: int = 4000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else "(no log)"


@pytest.fixture(scope="session")
def backend_url(frontend_dist: Path, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real backend (uvicorn todo_api.main:app) serving the API and the built SPA on a loopback port."""
    if not (BACKEND_DIR / "todo_api" / "main.py").exists():
        pytest.fail(f"The backend is missing: {BACKEND_DIR / 'todo_api' / 'main.py'} does not exist.")
    env = {key: value for key, value in os.environ.items() if key not in LLM_VARIABLES}
    env.update(
        DATABASE_URL=database_url,
        STATIC_DIR=str(frontend_dist),
        JWT_SECRET=secrets.token_urlsafe(32),
        APP_ENV="development",
        LOG_LEVEL="INFO",
        PYTHONPATH=os.pathsep.join(filter(None, [str(BACKEND_DIR), env.get("PYTHONPATH")])),
    )
    migrate = subprocess.run(
        [sys.executable, "-m", "todo_api.migrate"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if migrate.returncode != 0:
        pytest.fail(f"`python -m todo_api.migrate` failed:\n{migrate.stdout[-3000:]}\n{migrate.stderr[-3000:]}")

    port = _free_loopback_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("backend") / "uvicorn.log"
    with log_path.open("w") as log_file:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "todo_api.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=BACKEND_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"The backend exited with code {server.returncode} while starting:\n{_tail(log_path)}")
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"The backend did not answer /healthz within 60 s:\n{_tail(log_path)}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


# Module scope: Playwright's sync API keeps an event loop running in this thread until it stops, which
# would break every later test that calls asyncio.run().
@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as chromium:
        yield chromium

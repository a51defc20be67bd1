"""Fixtures for the end-to-end browser test.

They put together what a person would use: the built frontend served by the
real backend (STATIC_DIR) on a fresh database of the real PostgreSQL server,
and Debian's headless Chromium driven by Playwright.
"""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.backend import backend_env, running_backend
from harness.browser import launch_chromium
from harness.postgres import fresh_database, migrate
from harness.services import ServiceUnavailable, require

REPO_ROOT = Path(__file__).resolve().parents[2]
FRONTEND_DIR = REPO_ROOT / "app" / "frontend"
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


def _find_npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise ServiceUnavailable(
            "npm is not on PATH; it is needed to build app/frontend (install Node.js 18+ and npm, "
            "or build app/frontend/dist first with `npm ci && npm run build`)."
        )
    return npm


def _run_npm(*args: str) -> None:
    npm = require(_find_npm)
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
    with fresh_database("e2e") as url:
        yield url


@pytest.fixture(scope="session")
def backend_url(frontend_dist: Path, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real backend (uvicorn todo_api.main:app) serving the API and the built SPA on a loopback port,
    with the offline chat engine: no LLM is reachable here, and the replies must not depend on one."""
    migrate(database_url)
    env = backend_env(database_url, STATIC_DIR=str(frontend_dist), APP_ENV="development", LOG_LEVEL="INFO")
    with running_backend(env, log_path=tmp_path_factory.mktemp("backend") / "uvicorn.log") as backend:
        yield backend.url


# Module scope: Playwright's sync API keeps an event loop running in this thread until it stops, which
# would break every later test that calls asyncio.run().
@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as chromium:
        yield chromium

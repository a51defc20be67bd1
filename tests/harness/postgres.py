"""Temporary PostgreSQL databases next to TEST_DATABASE_URL, and the app's migrations on them.

TEST_DATABASE_URL (default below, the server scripts/test starts) names a server and a database the role
may connect to; every temporary database gets a random name next to it and is dropped afterwards, so runs
never see each other's data. Plain Python, no pytest: the benchmarks use it too. A server that does not
answer raises ServiceUnavailable; tests take `fresh_database` (or call `require_postgres()` first), which
applies the rule of harness.services (fail in CI, skip elsewhere).
"""

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from harness.backend import BACKEND_DIR, backend_env
from harness.services import ServiceUnavailable, require

DEFAULT_URL = "postgresql+psycopg://todo:todo@127.0.0.1:5432/todo_test"
HOW_TO_PROVIDE = (
    "Start PostgreSQL there, or set TEST_DATABASE_URL (the benchmarks: BENCH_DATABASE_URL) to a database on a "
    f"running server whose role may create databases (default {DEFAULT_URL}); `scripts/test pytest` installs "
    "and starts one."
)
# A server seen in this process is waited for (a test may just have restarted it); a first contact is not.
FIRST_CONTACT_WAIT = 5.0
RESTART_WAIT = 60.0
_reachable: dict[str, bool] = {}


def server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as psycopg (libpq) takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def admin_connection(base_url: str | None = None) -> psycopg.Connection:
    """An autocommit connection to base_url's database (default: server_url()), or ServiceUnavailable."""
    base = base_url or server_url()
    if _reachable.get(base) is False:
        raise ServiceUnavailable(
            f"PostgreSQL at {make_url(base)} was not reachable earlier in this run. {HOW_TO_PROVIDE}"
        )
    deadline = time.monotonic() + (RESTART_WAIT if _reachable.get(base) else FIRST_CONTACT_WAIT)
    while True:
        try:
            connection = psycopg.connect(libpq_url(base), autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as error:
            if time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            _reachable.setdefault(base, False)
            raise ServiceUnavailable(
                f"PostgreSQL at {make_url(base)} is not reachable ({' '.join(str(error).split())}). {HOW_TO_PROVIDE}"
            ) from error
        _reachable[base] = True
        return connection


def require_postgres() -> None:
    """Skip or fail (the rule of harness.services) unless the server at TEST_DATABASE_URL answers."""
    require(lambda: admin_connection().close())


@contextmanager
def temporary_database(label: str, base_url: str | None = None) -> Iterator[str]:
    """Create an empty database named todo_<label>_<random> next to base_url's; yield its URL; drop it."""
    base = base_url or server_url()
    name = f"todo_{label}_{secrets.token_hex(4)}"
    with admin_connection(base) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin_connection(base) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(label: str) -> Iterator[str]:
    """For a test: require_postgres(), then temporary_database(label) next to TEST_DATABASE_URL."""
    require_postgres()
    with temporary_database(label) as url:
        yield url


def migrate(database_url: str, timeout: float = 180) -> None:
    """`python -m todo_api.migrate`, the command of the chart's init container; RuntimeError with its output."""
    result = subprocess.run(
        [sys.executable, "-m", "todo_api.migrate"],
        cwd=BACKEND_DIR,
        env=backend_env(database_url, LOG_LEVEL="WARNING"),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"`python -m todo_api.migrate` failed with code {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )


def insert_tasks(database_url: str, user_id: int, titles: list[str]) -> None:
    """Give a user many tasks at once, straight into the database (sign-ups and creates through the API would
    take long), numbered from 1 as the app numbers them."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        connection.execute(
            "INSERT INTO tasks (user_id, number, title, description, completed, created_at, updated_at) "
            "SELECT %s, n, t, '', false, now(), now() FROM unnest(%s::text[]) WITH ORDINALITY AS x(t, n)",
            (user_id, titles),
        )
        connection.execute("UPDATE users SET last_task_number = %s WHERE id = %s", (len(titles), user_id))

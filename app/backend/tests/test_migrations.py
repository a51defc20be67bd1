import contextlib
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from harness.postgres import libpq_url
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from todo_api import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from todo_api.db import create_sync_engine
from todo_api.migrate import DatabaseUnavailable, run_migrations

BACKEND_DIR = Path(__file__).resolve().parents[1]
HEAD = "0002_task_numbers"
EXPECTED_TABLES = {"users", "tasks", "conversations", "messages", "alembic_version"}


def _schema(url: str) -> tuple[set[str], list[str]]:
    with psycopg.connect(libpq_url(url)) as connection:
        tables = {row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        versions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    return tables, versions


def test_migrate_creates_schema_on_empty_database_and_is_idempotent(empty_database_url):
    with psycopg.connect(libpq_url(empty_database_url)) as connection:
        assert connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
    run_migrations(empty_database_url)
    tables, versions = _schema(empty_database_url)
    assert tables == EXPECTED_TABLES
    assert versions == [HEAD]
    run_migrations(empty_database_url)
    assert _schema(empty_database_url) == (tables, versions)


def test_concurrent_migrate_commands_all_succeed(empty_database_url):
    """Four replicas starting at once: the advisory lock serialises them, every one exits 0."""
    env = {**os.environ, "DATABASE_URL": empty_database_url, "PYTHONPATH": str(BACKEND_DIR)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "todo_api.migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], outputs
    ran_upgrade = [output for output in outputs if "Running upgrade" in output]
    assert len(ran_upgrade) == 1, outputs
    assert _schema(empty_database_url) == (EXPECTED_TABLES, [HEAD])


def test_migrate_works_on_sqlite_for_local_runs(tmp_path):
    database = tmp_path / "local.db"
    url = f"sqlite:///{database}"
    run_migrations(url)
    run_migrations(url)
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables >= EXPECTED_TABLES


def test_migrations_match_the_models(empty_database_url):
    """A model change without a migration would make deployed databases differ from the code."""
    run_migrations(empty_database_url)
    engine = create_sync_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []


def _late_proxy(target_url: str, delay: float) -> tuple[str, threading.Event]:
    """A loopback TCP forwarder to the real PostgreSQL server that starts listening only after `delay`."""
    url = make_url(target_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stop = threading.Event()

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def serve() -> None:
        time.sleep(delay)
        with socket.create_server(("127.0.0.1", port)) as server:
            server.settimeout(0.2)
            while not stop.is_set():
                try:
                    client, _ = server.accept()
                except TimeoutError:
                    continue
                upstream = socket.create_connection((url.host, url.port or 5432))
                threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
                threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False), stop


def test_migrate_waits_for_a_database_that_starts_late(empty_database_url):
    late_url, stop = _late_proxy(empty_database_url, delay=2.0)
    try:
        started = time.monotonic()
        run_migrations(late_url, wait_seconds=30)
        waited = time.monotonic() - started
    finally:
        stop.set()
    assert waited >= 2.0
    assert _schema(empty_database_url)[1] == [HEAD]


def test_migrate_gives_up_after_the_wait_with_a_clear_error(empty_database_url, caplog):
    url = make_url(empty_database_url).set(password="not-in-any-log-4f1c")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = url.set(host="127.0.0.1", port=probe.getsockname()[1]).render_as_string(hide_password=False)
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as error, caplog.at_level(logging.INFO, logger="todo_api.migrate"):
        run_migrations(closed, wait_seconds=2)
    assert 2 <= time.monotonic() - started < 10
    assert "did not accept a connection within 2 s" in str(error.value)
    assert url.password not in str(error.value)
    assert "not reachable yet" in caplog.text
    assert url.password not in caplog.text


def _upgrade_to(database_url: str, revision: str) -> None:
    from alembic import command

    from todo_api.migrate import alembic_config

    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    finally:
        engine.dispose()


# Two users whose tasks were made interleaved (ids 1..5 alternate between them), one of them deleted since.
_BEFORE_NUMBERS = [
    "INSERT INTO users (id, email, password_hash, created_at) VALUES "
    "(1, 'a@example.com', 'x', CURRENT_TIMESTAMP), (2, 'b@example.com', 'x', CURRENT_TIMESTAMP), "
    "(3, 'c@example.com', 'x', CURRENT_TIMESTAMP)",
    "INSERT INTO tasks (id, user_id, title, description, completed, created_at, updated_at) VALUES "
    "(1, 1, 't1', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(2, 2, 't2', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(3, 1, 't3', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(4, 2, 't4', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(5, 1, 't5', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(6, 1, 't6', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "DELETE FROM tasks WHERE id = 3",
]
_NUMBERS = "SELECT user_id, id, number FROM tasks ORDER BY id"
_COUNTERS = "SELECT id, last_task_number FROM users ORDER BY id"
# The migration must number each user's tasks from 1 in id order (the deleted task's place is not kept: its
# number was never shown), set the counters at the last number, and leave a user without tasks at 0.
_AFTER_NUMBERS = [(1, 1, 1), (2, 2, 1), (2, 4, 2), (1, 5, 2), (1, 6, 3)]
_AFTER_COUNTERS = [(1, 3), (2, 2), (3, 0)]


def test_migration_numbers_existing_tasks_per_user_on_postgresql(empty_database_url):
    _upgrade_to(empty_database_url, "0001_initial")
    with psycopg.connect(libpq_url(empty_database_url)) as connection:
        for statement in _BEFORE_NUMBERS:
            connection.execute(statement)
        connection.execute("SELECT setval('tasks_id_seq', 6)")  # the ids above were given, not drawn
    _upgrade_to(empty_database_url, "head")
    with psycopg.connect(libpq_url(empty_database_url)) as connection:
        assert connection.execute(_NUMBERS).fetchall() == _AFTER_NUMBERS
        assert connection.execute(_COUNTERS).fetchall() == _AFTER_COUNTERS
        # The previous version of the app, still serving during a rolling upgrade, inserts without a number:
        # the row gets the user's next one.
        number = connection.execute(
            "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) "
            "VALUES (1, 'old app', '', false, now(), now()) RETURNING number"
        ).fetchone()[0]
        assert number == 4
        # And a row for a user that does not exist is still refused by the foreign key, not a NOT NULL error.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            connection.execute(
                "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) "
                "VALUES (99, 'nobody', '', false, now(), now())"
            )


def test_migration_numbers_existing_tasks_per_user_on_sqlite(tmp_path):
    database = tmp_path / "local.db"
    url = f"sqlite:///{database}"
    _upgrade_to(url, "0001_initial")
    with sqlite3.connect(database) as connection:
        for statement in _BEFORE_NUMBERS:
            connection.execute(statement)
    _upgrade_to(url, "head")
    with sqlite3.connect(database) as connection:
        assert connection.execute(_NUMBERS).fetchall() == _AFTER_NUMBERS
        assert connection.execute(_COUNTERS).fetchall() == _AFTER_COUNTERS
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            connection.execute(
                "INSERT INTO tasks (user_id, number, title, description, completed, created_at, updated_at) "
                "VALUES (1, 2, 'twice', '', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )

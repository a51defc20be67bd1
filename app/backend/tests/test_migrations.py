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
    assert versions == ["0001_initial"]
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
    assert _schema(empty_database_url) == (EXPECTED_TABLES, ["0001_initial"])


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
    assert _schema(empty_database_url)[1] == ["0001_initial"]


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

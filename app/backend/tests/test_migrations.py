import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from todo_api import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from todo_api.db import create_sync_engine
from todo_api.migrate import run_migrations

BACKEND_DIR = Path(__file__).resolve().parents[1]
EXPECTED_TABLES = {"users", "tasks", "conversations", "messages", "alembic_version"}


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _schema(url: str) -> tuple[set[str], list[str]]:
    with psycopg.connect(_libpq(url)) as connection:
        tables = {row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        versions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    return tables, versions


def test_migrate_creates_schema_on_empty_database_and_is_idempotent(empty_database_url):
    with psycopg.connect(_libpq(empty_database_url)) as connection:
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

"""Alembic environment: runs on the connection todo_api.migrate hands over (or DATABASE_URL)."""

from alembic import context
from sqlmodel import SQLModel

from todo_api import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from todo_api.core.config import get_settings
from todo_api.db import create_sync_engine

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = create_sync_engine(get_settings().database_url)
        with engine.connect() as own_connection:
            _run(own_connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run python -m todo_api.migrate")
run_migrations_online()

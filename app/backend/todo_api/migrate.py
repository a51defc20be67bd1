"""Bring the database schema to the latest revision: `python -m todo_api.migrate`.

Idempotent (Alembic skips applied revisions) and safe when several replicas start at once: on
PostgreSQL the upgrade runs under a session-level advisory lock, so one replica migrates while the
others wait and then find nothing left to do. It first waits up to DB_WAIT_SECONDS for the database to
accept connections, so an init container that starts with its database does not crash-loop.
"""

import logging
import sys
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from todo_api.core.config import get_settings
from todo_api.core.logging import configure_logging
from todo_api.db import create_sync_engine, is_postgresql

logger = logging.getLogger("todo_api.migrate")
# Any fixed 64-bit number, shared by every replica: "todo_api schema migration".
MIGRATION_LOCK_KEY = 7_263_845_190_114
ALEMBIC_DIR = Path(__file__).parent / "alembic"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    return config


class DatabaseUnavailable(RuntimeError):
    """The database did not accept a connection within the wait."""


def wait_for_database(engine: Engine, wait_seconds: float, interval: float = 1.0) -> None:
    """Return once the database accepts a connection; raise DatabaseUnavailable after wait_seconds."""
    deadline = time.monotonic() + wait_seconds
    where = engine.url.render_as_string(hide_password=True)
    attempt = 0
    while True:
        attempt += 1
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as error:
            reason = str(error.orig or error).strip().splitlines()[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DatabaseUnavailable(
                    f"the database at {where} did not accept a connection within {wait_seconds:.0f} s: {reason}"
                ) from None
            logger.info("database at %s not reachable yet (attempt %d: %s); retrying", where, attempt, reason)
            time.sleep(min(interval, remaining))
        else:
            if attempt > 1:
                logger.info("database at %s reachable after %d attempts", where, attempt)
            return


def run_migrations(database_url: str, wait_seconds: float = 0) -> None:
    engine = create_sync_engine(database_url)
    try:
        wait_for_database(engine, wait_seconds)
        with engine.connect() as connection:
            if is_postgresql(database_url):
                # Lock on its own autocommit connection, so the migration's transactions are untouched by it.
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock_connection:
                    logger.info("waiting for the migration lock")
                    lock_connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                    try:
                        _upgrade(connection)
                    finally:
                        lock_connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            else:
                _upgrade(connection)
    finally:
        engine.dispose()


def _upgrade(connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    connection.commit()
    logger.info("database schema is up to date")


def main() -> int:
    settings = get_settings()
    configure_logging(settings.log_level)
    try:
        run_migrations(settings.database_url, wait_seconds=settings.db_wait_seconds)
    except DatabaseUnavailable as error:
        logger.error("migration failed: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Bring the database schema to the latest revision: `python -m todo_api.migrate`.

Idempotent (Alembic skips applied revisions) and safe when several replicas start at once: on
PostgreSQL the upgrade runs under a session-level advisory lock, so one replica migrates while the
others wait and then find nothing left to do.
"""

import logging
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

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


def run_migrations(database_url: str) -> None:
    engine = create_sync_engine(database_url)
    try:
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
    run_migrations(settings.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

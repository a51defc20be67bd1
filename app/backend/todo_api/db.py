"""Database engines and sessions.

The API runs on an async engine (psycopg 3 or aiosqlite) so that no request ever waits in a thread
pool for a connection held by another request (the sync-endpoint + small-pool deadlock).
Migrations use a plain sync engine on the same URL.

On PostgreSQL the engine opens its connections through db_connect.py (deadline, breaker) and every way it has to
say "no connection" is DatabaseUnavailable: a failed connect, a connection lost under a statement, the pool's
own wait (sessions outside the fair gate) running out.
"""

import logging
from collections.abc import AsyncIterator

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.core.config import Settings
from todo_api.db_connect import Connector, DatabaseUnavailable


def _with_driver(database_url: str, *, use_async: bool) -> str:
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite" if use_async else "sqlite")
    return url.render_as_string(hide_password=False)


def async_database_url(database_url: str) -> str:
    return _with_driver(database_url, use_async=True)


def sync_database_url(database_url: str) -> str:
    return _with_driver(database_url, use_async=False)


def is_postgresql(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


class _ConnectionPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's pool, whose "no connection came back within pool_timeout" is DatabaseUnavailable."""

    def _do_get(self) -> ConnectionPoolEntry:
        try:
            return super()._do_get()
        except exc.TimeoutError as error:
            raise DatabaseUnavailable(str(error)) from None


# SQLAlchemy's pool logs under its class's name, and SQLAlchemy keeps its own loggers ("sqlalchemy.*") at WARNING;
# the subclass's logger is outside that tree, so it is held at the same level (no "Pool disposed" INFO lines).
logging.getLogger(f"{__name__}.{_ConnectionPool.__name__}").setLevel(logging.WARNING)


def _lost_connection_is_unavailable(context: ExceptionContext) -> BaseException | None:
    # The connection went away under a statement (a restart, a network cut): SQLAlchemy has marked the pool's
    # connections stale, the next checkout gets a new one. A failed pre-ping is not an error: it is retried.
    if context.is_disconnect and not context.is_pre_ping:
        return DatabaseUnavailable(f"lost the database connection: {context.original_exception}")
    return None


def create_app_engine(settings: Settings, connector: Connector | None = None) -> AsyncEngine:
    url = async_database_url(settings.database_url)
    if not is_postgresql(url):
        return create_async_engine(url, hide_parameters=True)
    connector = connector or Connector(settings.database_url, settings.db_connect_timeout)
    engine = create_async_engine(
        url,
        # Errors and logs show the SQL but never its values (emails, password hashes, task text).
        hide_parameters=True,
        async_creator=connector.connect,
        poolclass=_ConnectionPool,
        # Test each pooled connection before use: after a PostgreSQL restart the stale ones are
        # replaced instead of failing the request.
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=1800,
    )
    event.listen(engine.sync_engine, "handle_error", _lost_connection_is_unavailable)
    return engine


def create_sync_engine(database_url: str) -> Engine:
    return create_engine(sync_database_url(database_url), pool_pre_ping=True, hide_parameters=True)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read with one statement (the lists, one task, one conversation).

    In autocommit mode a single SELECT is its own transaction, as consistent as inside BEGIN ... ROLLBACK,
    without those two extra round trips to the server (half of the database work of a list request).
    The connections come from the same pool; the mode is a client-side setting of the connection.
    """
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), class_=AsyncSession, expire_on_commit=False
    )


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session

"""PostgreSQL reads that hand the client's JSON straight through: the task list's fast path.

The task list is the hottest request. Through SQLAlchemy's async session it cost about 2 ms of CPU even for
one row (greenlet hops, statement cache keys, the pool's pre-ping round trip); building 100 rows in Python
added the rest. Here a small psycopg pool of its own (autocommit, prepared statements) runs one statement
whose result is the response body, built by PostgreSQL in the exact bytes pydantic-core would write
(tests/test_task_pages.py compares both paths byte for byte). SQLite, the zero-setup local mode, keeps the
portable path (services/tasks.py list_task_page).

The pool is separate from SQLAlchemy's, so the connections a worker may open are DB_POOL_SIZE plus
DB_READ_POOL_SIZE. Waiting for a connection is first come, first served (psycopg_pool queues waiters) and
bounded by DB_POOL_TIMEOUT: past it the request is answered 503 with Retry-After, like the fair gate's.
There is no pre-ping: a connection that died with the server (a PostgreSQL restart) fails its statement,
the pool drops every dead connection, and the read is retried once on a fresh one.
"""

import logging
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.engine import make_url

from todo_api.core.config import Settings
from todo_api.db import is_postgresql
from todo_api.models import TaskStatusFilter

logger = logging.getLogger(__name__)


class ReadPoolTimeout(Exception):
    """No connection of the read pool came free within DB_POOL_TIMEOUT (answered 503 with Retry-After)."""


# One page of a user's tasks in id order, as the API's JSON array (TaskPublic's fields, in its order), and
# the cursor of the next page: the id of the page's last task when one more row exists. `completed` NULL
# means every task. row_to_json writes compact JSON with the same escapes as pydantic-core, and the
# timestamps are in pydantic-core's form of an aware UTC datetime (microseconds only when there are any).
TASK_PAGE_SQL = """
WITH page AS (
    SELECT id, user_id, title, description, completed,
           replace(to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z')
               AS created_at,
           replace(to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z')
               AS updated_at
    FROM tasks
    WHERE user_id = %(user_id)s AND id > %(after)s
      AND (%(completed)s::boolean IS NULL OR completed = %(completed)s::boolean)
    ORDER BY id
    LIMIT %(limit)s + 1
), numbered AS (
    SELECT page, id, row_number() OVER (ORDER BY id) AS position FROM page
)
SELECT convert_to('[' || coalesce(
           string_agg(row_to_json(page)::text, ',' ORDER BY position) FILTER (WHERE position <= %(limit)s), ''
       ) || ']', 'UTF8'),
       max(id) FILTER (WHERE position = %(limit)s AND (SELECT count(*) FROM page) > %(limit)s)
FROM numbered
"""

_COMPLETED: dict[str, bool | None] = {"all": None, "pending": False, "completed": True}


def libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class ReadPool:
    """The fast path's connections (PostgreSQL only); open() at start-up, close() at shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.timeout = settings.db_pool_timeout
        self.pool = AsyncConnectionPool(
            libpq_url(settings.database_url),
            min_size=settings.db_read_pool_size,
            max_size=settings.db_read_pool_size,
            timeout=settings.db_pool_timeout,
            # Same lifetime as SQLAlchemy's pool_recycle.
            max_lifetime=1800,
            kwargs={"autocommit": True},
            name="todo-read",
            open=False,
        )

    async def open(self) -> None:
        # Without waiting: the app starts while the database is still down (readiness says so), and
        # requests wait for the first connections up to DB_POOL_TIMEOUT.
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    async def fetch_row(self, query: str, params: dict[str, Any]) -> tuple:
        """Run one prepared statement and return its single row (binary results: bytea comes as bytes)."""
        for attempt in (1, 2):
            connection = None
            try:
                async with self.pool.connection() as connection:
                    cursor = connection.cursor(binary=True)
                    await cursor.execute(query, params, prepare=True)
                    return await cursor.fetchone()
            except PoolTimeout as error:
                raise ReadPoolTimeout(str(error)) from error
            except psycopg.OperationalError:
                if attempt == 2 or connection is None or not connection.broken:
                    raise
                # The server went away under this connection (a restart): the others idle in the pool are
                # dead too. Drop them all, then retry once.
                logger.warning("database connection lost; retrying the read on a new connection")
                await self.pool.check()
        raise AssertionError("unreachable")

    async def task_page(
        self, user_id: int, status: TaskStatusFilter, *, limit: int, after: int
    ) -> tuple[bytes, int | None]:
        """One page of the task list as the response body, and the next page's cursor (None on the last)."""
        params = {"user_id": user_id, "after": after, "limit": limit, "completed": _COMPLETED[status]}
        body, next_after = await self.fetch_row(TASK_PAGE_SQL, params)
        return bytes(body), next_after


def create_read_pool(settings: Settings) -> ReadPool | None:
    """The fast path's pool for PostgreSQL; None for SQLite, which keeps the portable path."""
    if not is_postgresql(settings.database_url) or settings.db_read_pool_size == 0:
        return None
    return ReadPool(settings)

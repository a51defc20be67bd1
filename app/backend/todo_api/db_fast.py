"""The task endpoints' PostgreSQL fast path: one prepared statement per request, its result the response body.

The task list and the task changes are the hottest requests. Through SQLAlchemy's async session a list cost
about 2 ms of CPU even for one row (greenlet hops, statement cache keys, the pool's pre-ping round trip), and
a create four round trips (ping, BEGIN, INSERT, COMMIT). Here a small psycopg pool of its own (autocommit,
prepared statements) runs exactly one statement per request, and PostgreSQL writes the response body in the
bytes pydantic-core would write (tests/test_task_pages.py compares both paths byte for byte). SQLite, the
zero-setup local mode, keeps the portable path (services/tasks.py). The chat engine's task list and count
come from here too; MCP and the engine's other reads and changes take the portable path.

The pool is separate from SQLAlchemy's, so the connections a worker may open are DB_POOL_SIZE plus
DB_FAST_POOL_SIZE. It is this module's own: a fair gate (core/fair_gate.py, first come first served, bounded by
DB_POOL_TIMEOUT) in front of idle connections, and a new connection through db_connect.py (deadline, breaker) when
none is idle. psycopg_pool's was replaced because it reconnects in the background with a backoff that doubles from
1 s: after a restart the first requests waited for its next attempt, and during an outage each waited the whole
DB_POOL_TIMEOUT before its 503. Here a request that finds no connection opens one itself, so the first request after
the database is back gets it, and during an outage the breaker answers at once. Every "no connection" is
DatabaseUnavailable (503 with Retry-After).

There is no pre-ping round trip. An idle connection in autocommit has nothing to read, so one whose socket is
readable was closed by the server (a PostgreSQL restart sends its backends' FATAL and hangs up): it is
dropped before the statement is sent, so writes are never sent twice. A read that loses its connection while it
runs is retried once on a new one; a write is not (it may have committed): it is DatabaseUnavailable.
"""

import logging
import select
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from todo_api.core.config import Settings
from todo_api.core.fair_gate import FairGate
from todo_api.db import is_postgresql
from todo_api.db_connect import Connector, DatabaseUnavailable
from todo_api.models import TaskStatusFilter
from todo_api.services.errors import AccountGoneError

logger = logging.getLogger(__name__)

# Same lifetime as SQLAlchemy's pool_recycle.
MAX_LIFETIME_SECONDS = 1800


# A task as the API shows it (TaskPublic's fields, in its order), from a row source named `t`. The timestamps
# are in pydantic-core's form of an aware UTC datetime: microseconds only when there are any, then "Z".
# row_to_json writes compact JSON with the same escapes as pydantic-core.
_TASK_FIELDS = sql.SQL(
    """t.id, t.number, t.user_id, t.title, t.description, t.completed,
       replace(to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z')
           AS created_at,
       replace(to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z')
           AS updated_at"""
)

# The status filter of every task read (`completed` NULL means every task), on the one table each reads.
_STATUS_FILTER = sql.SQL("(%(completed)s::boolean IS NULL OR completed = %(completed)s::boolean)")

# One page of a user's tasks in id order, as the API's JSON array, and the cursor of the next page: the id of
# the page's last task when one more row exists.
TASK_PAGE_SQL = sql.SQL(
    """
WITH page AS (
    SELECT {fields}
    FROM tasks AS t
    WHERE t.user_id = %(user_id)s AND t.id > %(after)s AND {status}
    ORDER BY t.id
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
).format(fields=_TASK_FIELDS, status=_STATUS_FILTER)


# The task list as the task tools show it (MCP's list_tasks, the chat): each task's number, title and state, in
# number order, from the number after `after`; and how many of the user's tasks have that status.
TOOL_PAGE_SQL = sql.SQL(
    "SELECT number, title, completed FROM tasks WHERE user_id = %(user_id)s AND number > %(after)s AND {status} "
    "ORDER BY number LIMIT %(limit)s"
).format(status=_STATUS_FILTER)
COUNT_SQL = sql.SQL("SELECT count(*) FROM tasks WHERE user_id = %(user_id)s AND {status}").format(status=_STATUS_FILTER)


def _one_task(change: str, before: str = "") -> sql.Composed:
    """A statement that changes one task and returns it as the API's JSON object (no row: not found).
    `before` is a common table expression the change reads (ending with a comma)."""
    return sql.SQL(
        "WITH {before} t AS ({change} RETURNING *) SELECT convert_to(row_to_json(task)::text, 'UTF8') "
        "FROM (SELECT {fields} FROM t) AS task"
    ).format(before=sql.SQL(before), change=sql.SQL(change), fields=_TASK_FIELDS)


# The task takes the user's next number in the same statement: the UPDATE locks the user's row, so two tasks
# made at once get two numbers. No row: the user is gone (the token outlived the account).
CREATE_TASK_SQL = _one_task(
    "INSERT INTO tasks (user_id, number, title, description, completed, created_at, updated_at) "
    "SELECT %(user_id)s, counter.last_task_number, %(title)s, %(description)s, false, %(now)s, %(now)s "
    "FROM counter",
    before="counter AS (UPDATE users SET last_task_number = last_task_number + 1 WHERE id = %(user_id)s "
    "RETURNING last_task_number),",
)
# NULL leaves a field as stored; `flip` turns `completed` over in the same statement (atomic toggles).
UPDATE_TASK_SQL = _one_task(
    "UPDATE tasks SET title = coalesce(%(title)s, title), description = coalesce(%(description)s, description), "
    "completed = CASE WHEN %(flip)s THEN NOT completed ELSE coalesce(%(completed)s, completed) END, "
    "updated_at = %(now)s WHERE id = %(task_id)s AND user_id = %(user_id)s"
)
DELETE_TASK_SQL = _one_task("DELETE FROM tasks WHERE id = %(task_id)s AND user_id = %(user_id)s")

# A chat turn stored whole in one statement: the conversation (new, or the user's own touched) and both
# messages, the user's first (ids in that order: history is read by id). No row: no such conversation.
_TURN_MESSAGES = (
    "INSERT INTO messages (user_id, conversation_id, role, content, created_at) "
    "SELECT %(user_id)s, conversation.id, turn.role, turn.content, %(now)s "
    "FROM conversation, (VALUES (1, 'user', %(message)s::text), (2, 'assistant', %(reply)s::text)) "
    "AS turn(position, role, content) ORDER BY turn.position"
)
NEW_TURN_SQL = sql.SQL(
    "WITH conversation AS (INSERT INTO conversations (user_id, created_at, updated_at) "
    "VALUES (%(user_id)s, %(now)s, %(now)s) RETURNING id), stored AS ({messages}) SELECT id FROM conversation"
).format(messages=sql.SQL(_TURN_MESSAGES))
NEXT_TURN_SQL = sql.SQL(
    "WITH conversation AS (UPDATE conversations SET updated_at = %(now)s "
    "WHERE id = %(conversation_id)s AND user_id = %(user_id)s RETURNING id), stored AS ({messages}) "
    "SELECT id FROM conversation"
).format(messages=sql.SQL(_TURN_MESSAGES))

_COMPLETED: dict[str, bool | None] = {"all": None, "pending": False, "completed": True}


def _closed_by_server(connection: psycopg.AsyncConnection) -> bool:
    """True when the server hung up on this idle connection: its socket has something (a FATAL, EOF) to read."""
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def _reusable(connection: psycopg.AsyncConnection) -> bool:
    return not connection.closed and connection.info.transaction_status == TransactionStatus.IDLE


class FastPool:
    """The fast path's connections (PostgreSQL only), opened when a request needs one; close() at shutdown."""

    def __init__(self, settings: Settings, connector: Connector | None = None) -> None:
        self.connector = connector or Connector(settings.database_url, settings.db_connect_timeout)
        # At most DB_FAST_POOL_SIZE connections are in use or idle: each one is held under a slot of the gate.
        self.gate = FairGate(settings.db_fast_pool_size, settings.db_pool_timeout, self.connector.breaker)
        self._idle: list[tuple[psycopg.AsyncConnection, float]] = []  # (connection, opened at), newest last
        self._closed = False

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            await connection.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A live connection for one statement, or DatabaseUnavailable."""
        async with self.gate.slot():
            connection, opened_at = await self._take()
            try:
                yield connection
            finally:
                if _reusable(connection) and not self._closed:
                    self._idle.append((connection, opened_at))
                else:
                    await connection.close()

    async def _take(self) -> tuple[psycopg.AsyncConnection, float]:
        now = time.monotonic()
        while self._idle:
            connection, opened_at = self._idle.pop()
            if connection.closed or _closed_by_server(connection) or now - opened_at > MAX_LIFETIME_SECONDS:
                await connection.close()
                continue
            return connection, opened_at
        connection = await self.connector.connect(autocommit=True, application_name="todo_api-fast")
        return connection, time.monotonic()

    async def fetch_row(self, query: sql.Composable, params: dict[str, Any], *, write: bool = False) -> tuple | None:
        """Run one prepared statement and return its first row (binary results: bytea comes as bytes)."""
        return await self._fetch(query, params, write=write, every_row=False)

    async def fetch_rows(self, query: sql.Composable, params: dict[str, Any]) -> list[tuple]:
        """Run one prepared read and return all its rows."""
        return await self._fetch(query, params, write=False, every_row=True)

    async def _fetch(self, query: sql.Composable, params: dict[str, Any], *, write: bool, every_row: bool) -> Any:
        retried = False
        while True:
            try:
                async with self.connection() as connection:
                    cursor = connection.cursor(binary=True)
                    await cursor.execute(query, params, prepare=True)
                    return await (cursor.fetchall() if every_row else cursor.fetchone())
            except psycopg.errors.ForeignKeyViolation:
                # Every row written here belongs to a user: a user deleted meanwhile (the token outlived it).
                raise AccountGoneError("This account no longer exists.") from None
            except psycopg.OperationalError as error:
                if not connection.broken:
                    raise
                # The server went away under this connection (a restart, a network cut). A read is tried once more
                # on a new connection (the breaker answers at once if the database is down); a write may have
                # committed, so it is not sent again.
                if write or retried:
                    raise DatabaseUnavailable(f"lost the database connection: {error}") from error
                retried = True
                logger.warning("database connection lost under a read; trying a new connection")

    async def task_page(
        self, user_id: int, status: TaskStatusFilter, *, limit: int, after: int
    ) -> tuple[bytes, int | None]:
        """One page of the task list as the response body, and the next page's cursor (None on the last)."""
        params = {"user_id": user_id, "after": after, "limit": limit, "completed": _COMPLETED[status]}
        body, next_after = await self.fetch_row(TASK_PAGE_SQL, params)
        return bytes(body), next_after

    async def tool_task_page(
        self, user_id: int, status: TaskStatusFilter, *, limit: int, after: int
    ) -> list[tuple[int, str, bool]]:
        """One page of the task tools' list: (number, title, completed) in number order, numbers above `after`."""
        params = {"user_id": user_id, "after": after, "limit": limit, "completed": _COMPLETED[status]}
        return await self.fetch_rows(TOOL_PAGE_SQL, params)

    async def count_tasks(self, user_id: int, status: TaskStatusFilter) -> int:
        (count,) = await self.fetch_row(COUNT_SQL, {"user_id": user_id, "completed": _COMPLETED[status]})
        return count

    async def create_task(self, user_id: int, title: str, description: str, now: datetime) -> bytes:
        params = {"user_id": user_id, "title": title, "description": description, "now": now}
        row = await self.fetch_row(CREATE_TASK_SQL, params, write=True)
        if row is None:
            raise AccountGoneError("This account no longer exists.")
        return bytes(row[0])

    async def update_task(self, user_id: int, task_id: int, values: dict[str, Any], now: datetime) -> bytes | None:
        """`values` may hold title, description, completed (None: keep) and flip (turn completed over)."""
        params = {"title": None, "description": None, "completed": None, "flip": False, **values}
        row = await self.fetch_row(
            UPDATE_TASK_SQL, {**params, "user_id": user_id, "task_id": task_id, "now": now}, write=True
        )
        return None if row is None else bytes(row[0])

    async def delete_task(self, user_id: int, task_id: int) -> bytes | None:
        row = await self.fetch_row(DELETE_TASK_SQL, {"user_id": user_id, "task_id": task_id}, write=True)
        return None if row is None else bytes(row[0])

    async def store_turn(
        self, user_id: int, conversation_id: int | None, message: str, reply: str, now: datetime
    ) -> int | None:
        """Store a chat turn; the conversation's id, or None when `conversation_id` is not the user's."""
        params = {"user_id": user_id, "conversation_id": conversation_id, "message": message, "reply": reply}
        query = NEW_TURN_SQL if conversation_id is None else NEXT_TURN_SQL
        row = await self.fetch_row(query, {**params, "now": now}, write=True)
        return None if row is None else row[0]


def create_fast_pool(settings: Settings, connector: Connector | None = None) -> FastPool | None:
    """The fast path's pool for PostgreSQL; None for SQLite, which keeps the portable path."""
    if not is_postgresql(settings.database_url) or settings.db_fast_pool_size == 0:
        return None
    return FastPool(settings, connector)

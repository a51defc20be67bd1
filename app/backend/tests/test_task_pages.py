"""The task list's PostgreSQL fast path (db_fast.py) against the portable path it replaces on PostgreSQL.

Both must give the same bytes for the same rows: the fast path builds the JSON in SQL, the portable one
(SQLite's) with pydantic-core from SQLAlchemy rows. Then the pool's limits: a dead connection is replaced
on the same request, and a full pool is a 503-able FastPoolTimeout within DB_POOL_TIMEOUT, not a hang.
"""

import asyncio
from datetime import UTC, datetime

import psycopg
import pytest
from pydantic_core import to_json

from todo_api.db import create_app_engine, create_read_session_factory
from todo_api.db_fast import FastPool, FastPoolTimeout, libpq_url
from todo_api.services import tasks as task_service

# Titles and descriptions that exercise JSON escaping: quotes, backslashes, non-ASCII, astral plane,
# and (written straight into the table, the API refuses them) control characters.
TITLES = ['Say "hi"', "back\\slash", "café ünïcode", "emoji 🧪 task", "plain", "</script>", "a\u2028b"]

CONTROL_TEXT = "tab\there, newline\nthere, bell\x07"


def _seed(database_url: str, user_id: int) -> None:
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        for number, title in enumerate(TITLES * 3):
            created = datetime(2026, 1, 2, 3, 4, 5, 0 if number % 4 == 0 else number * 1001, tzinfo=UTC)
            connection.execute(
                "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, now())",
                (user_id, title, CONTROL_TEXT if number % 5 == 0 else "", number % 3 == 0, created),
            )


async def _both_paths(settings, user_id: int, status: str, limit: int, after: int):
    engine = create_app_engine(settings)
    pool = FastPool(settings)
    await pool.open()
    try:
        async with create_read_session_factory(engine)() as session:
            rows, portable_next = await task_service.list_task_page(session, user_id, status, limit=limit, after=after)
        fast_body, fast_next = await task_service.task_page_json(pool, user_id, status, limit=limit, after=after)
    finally:
        await pool.close()
        await engine.dispose()
    return (to_json(rows), portable_next), (fast_body, fast_next)


@pytest.mark.parametrize(
    ("status", "limit"), [("all", 100), ("all", 1), ("all", 7), ("pending", 5), ("completed", 3), ("completed", 500)]
)
def test_the_fast_path_writes_the_same_bytes_as_the_portable_path(settings, user, status, limit):
    _seed(settings.database_url, user.id)
    after, pages = 0, 0
    while True:
        portable, fast = asyncio.run(_both_paths(settings, user.id, status, limit, after))
        assert fast == portable
        pages += 1
        if fast[1] is None:
            break
        after = fast[1]
    expected = {"all": 21, "pending": 14, "completed": 7}[status]
    assert pages == max(1, -(-expected // limit)), "every page followed to the last, the last has no cursor"


def test_an_empty_list_is_an_empty_array_without_a_cursor(settings, user):
    portable, fast = asyncio.run(_both_paths(settings, user.id, "all", 100, 0))
    assert fast == portable == (b"[]", None)


def test_the_api_serves_the_list_from_the_fast_path_on_postgresql(client, user):
    assert client.app.state.fast_pool is not None
    for title in TITLES[:3]:
        assert client.post(user.url("/tasks"), json={"title": title}, headers=user.headers).status_code == 201
    listed = client.get(user.url("/tasks"), params={"limit": 2}, headers=user.headers)
    assert listed.status_code == 200
    assert listed.headers["content-type"] == "application/json"
    assert [task["title"] for task in listed.json()] == TITLES[:2]
    assert listed.headers["X-Next-After"] == str(listed.json()[1]["id"])
    one = client.get(user.url(f"/tasks/{listed.json()[0]['id']}"), headers=user.headers).json()
    assert listed.json()[0] == one


def test_a_connection_killed_under_the_pool_is_replaced_on_the_same_request(settings, user):
    _seed(settings.database_url, user.id)

    async def scenario():
        pool = FastPool(settings.model_copy(update={"db_fast_pool_size": 2}))
        await pool.open()
        try:
            async with pool.pool.connection() as first, pool.pool.connection() as second:
                pids = [first.info.backend_pid, second.info.backend_pid]
            # What a PostgreSQL restart does to the pool's idle connections.
            with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(*) FROM unnest(%s::int[]) AS pid WHERE pg_terminate_backend(pid)", (pids,)
                ).fetchone()[0]
            body, _ = await task_service.task_page_json(pool, user.id, "all", limit=500, after=0)
            return killed, body
        finally:
            await pool.close()

    killed, body = asyncio.run(scenario())
    assert killed == 2
    assert body.count(b'"id":') == len(TITLES) * 3


def test_a_full_fast_pool_times_out_instead_of_hanging(settings, user):
    async def scenario():
        pool = FastPool(settings.model_copy(update={"db_fast_pool_size": 1, "db_pool_timeout": 0.3}))
        await pool.open()
        try:
            async with pool.pool.connection():
                started = asyncio.get_running_loop().time()
                with pytest.raises(FastPoolTimeout):
                    await task_service.task_page_json(pool, user.id, "all")
                return asyncio.get_running_loop().time() - started
        finally:
            await pool.close()

    waited = asyncio.run(scenario())
    assert 0.25 < waited < 3


def test_the_busy_answer_for_a_full_fast_pool_is_503_with_retry_after(client):
    from todo_api.api.errors import busy_handler

    assert client.app.exception_handlers[FastPoolTimeout] is busy_handler
    response = asyncio.run(busy_handler(None, FastPoolTimeout("timeout")))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"

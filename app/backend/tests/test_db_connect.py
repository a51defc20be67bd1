"""Every "no database connection" of either pool is DatabaseUnavailable: a connection lost under a statement
(SQLAlchemy's or the fast path's), SQLAlchemy's own pool wait running out."""

import asyncio

import psycopg
import pytest
from sqlalchemy import text

from todo_api.db import create_app_engine
from todo_api.db_connect import DatabaseUnavailable
from todo_api.db_fast import FastPool, libpq_url
from todo_api.models import utcnow


def _terminate(database_url: str, pid: int) -> None:
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_lost_under_a_sqlalchemy_statement_is_database_unavailable_and_the_next_one_works(settings):
    async def scenario():
        engine = create_app_engine(settings)
        try:
            async with engine.connect() as connection:
                pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                await asyncio.to_thread(_terminate, settings.database_url, pid)
                with pytest.raises(DatabaseUnavailable):
                    await connection.execute(text("SELECT 1"))
            async with engine.connect() as connection:
                return (await connection.execute(text("SELECT 1"))).scalar_one()
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == 1


def test_sqlalchemys_own_pool_wait_running_out_is_database_unavailable(settings):
    async def scenario():
        engine = create_app_engine(settings.model_copy(update={"db_pool_size": 1, "db_pool_timeout": 0.2}))
        try:
            async with engine.connect():
                with pytest.raises(DatabaseUnavailable):
                    async with engine.connect():
                        pass
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_a_fast_path_write_that_loses_its_connection_is_database_unavailable_and_not_sent_again(settings, user):
    title = "written at most once"

    async def scenario():
        pool = FastPool(settings)
        await pool.open()
        url = libpq_url(settings.database_url)
        async with (
            await psycopg.AsyncConnection.connect(url) as holder,
            await psycopg.AsyncConnection.connect(url, autocommit=True) as admin,
        ):
            # Hold the user's row: the create waits for the lock, on the server, until its connection is killed.
            await holder.execute("SELECT 1 FROM users WHERE id = %s FOR UPDATE", (user.id,))
            write = asyncio.create_task(pool.create_task(user.id, title, "", utcnow()))
            waiting_pid = None
            for _ in range(100):
                await asyncio.sleep(0.02)
                row = await (
                    await admin.execute(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = 'todo_api-fast' "
                        "AND wait_event_type = 'Lock' AND datname = current_database()"
                    )
                ).fetchone()
                if row is not None:
                    waiting_pid = row[0]
                    break
            assert waiting_pid is not None, "the create never waited for the lock"
            await admin.execute("SELECT pg_terminate_backend(%s)", (waiting_pid,))
            with pytest.raises(DatabaseUnavailable):
                await write
            await holder.rollback()
            count = await (await admin.execute("SELECT count(*) FROM tasks WHERE title = %s", (title,))).fetchone()
        await pool.close()
        return count[0]

    assert asyncio.run(scenario()) == 0

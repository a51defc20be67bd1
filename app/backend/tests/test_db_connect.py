"""The connection layer both pools share (db_connect.py): the breaker, the connect deadline, and every "no
connection" of either pool being DatabaseUnavailable."""

import asyncio
import socket
import time

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import text

from todo_api.db import create_app_engine
from todo_api.db_connect import ConnectBreaker, Connector, DatabaseUnavailable, libpq_url
from todo_api.db_fast import FastPool
from todo_api.models import utcnow


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _fails() -> None:
    raise DatabaseUnavailable("refused")


async def _works() -> str:
    return "connection"


def test_after_a_failed_connect_the_breaker_answers_at_once_then_lets_one_probe_through():
    async def scenario():
        clock = FakeClock()
        breaker = ConnectBreaker(open_seconds=1, clock=clock)
        calls = []

        async def counted(result):
            calls.append(result)
            return await result()

        with pytest.raises(DatabaseUnavailable):
            await breaker.attempt(lambda: counted(_fails))
        assert breaker.database_down
        clock.now += 0.9
        with pytest.raises(DatabaseUnavailable):
            await breaker.attempt(lambda: counted(_works))
        assert calls == [_fails], "no connect is tried while the database is known to be down"

        clock.now += 0.2
        probe_started, release = asyncio.Event(), asyncio.Event()

        async def slow_success():
            probe_started.set()
            await release.wait()
            return "connection"

        probe = asyncio.create_task(breaker.attempt(slow_success))
        await probe_started.wait()
        with pytest.raises(DatabaseUnavailable):  # one probe at a time; the others are answered at once
            await breaker.attempt(_works)
        release.set()
        assert await probe == "connection"
        assert not breaker.database_down
        assert await breaker.attempt(_works) == "connection"

    asyncio.run(scenario())


def test_a_failed_probe_closes_the_breaker_again_and_a_cancelled_one_lets_the_next_try():
    async def scenario():
        clock = FakeClock()
        breaker = ConnectBreaker(open_seconds=1, clock=clock)
        with pytest.raises(DatabaseUnavailable):
            await breaker.attempt(_fails)
        clock.now += 1.5
        with pytest.raises(DatabaseUnavailable):
            await breaker.attempt(_fails)  # the probe failed: down for another second
        clock.now += 0.5
        with pytest.raises(DatabaseUnavailable):
            breaker.check()
        clock.now += 0.6
        hanging = asyncio.create_task(breaker.attempt(asyncio.Event().wait))
        await asyncio.sleep(0)
        hanging.cancel()  # the request went away while its connect was the probe
        with pytest.raises(asyncio.CancelledError):
            await hanging
        assert await breaker.attempt(_works) == "connection"

    asyncio.run(scenario())


def test_a_connect_to_a_server_that_never_answers_ends_at_its_deadline():
    async def scenario(port):
        connector = Connector(f"postgresql://todo:todo@127.0.0.1:{port}/nothing", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match=r"within 0\.3 s"):
            await connector.connect()
        return time.monotonic() - started

    with socket.socket() as listener:  # takes the TCP connection, never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        waited = asyncio.run(scenario(listener.getsockname()[1]))
    assert 0.25 < waited < 1.0


def test_every_connection_gets_keepalives_and_a_tcp_user_timeout_unless_the_url_says_otherwise():
    default = conninfo_to_dict(Connector("postgresql://u:p@db:5432/todo", timeout=2).conninfo)
    assert default["keepalives_idle"] == "10"
    assert default["tcp_user_timeout"] == "10000"
    assert default["connect_timeout"] == "2"
    assert (default["host"], default["dbname"], default["user"]) == ("db", "todo", "u")
    own = conninfo_to_dict(
        Connector("postgresql://u:p@db/todo?keepalives_idle=60&connect_timeout=9", timeout=2).conninfo
    )
    assert (own["keepalives_idle"], own["connect_timeout"]) == ("60", "9")


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

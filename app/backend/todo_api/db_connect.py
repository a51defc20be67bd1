"""Every PostgreSQL connection the app opens, for both pools (SQLAlchemy's in db.py, the fast path's in db_fast.py).

One connect function with a deadline, behind one breaker, and the one exception a request meets when it gets no
database connection: DatabaseUnavailable, answered 503 with Retry-After (api/errors.py) or, over MCP, a tool error
with the same message.

- The deadline (DB_CONNECT_TIMEOUT) covers the whole connect: the name lookup, TCP, TLS and the login. psycopg's
  own connect_timeout covers neither the lookup nor fractions of seconds (it is at least 2 s), and its default is
  130 s, so a server that drops packets held each request for minutes.
- The breaker: after a connect failed the database is taken as down for RETRY_AFTER_SECONDS, and every request
  that needs a new connection gets DatabaseUnavailable at once instead of paying the connect again. Then the next
  request's connect is the probe (one at a time; the others keep getting the answer at once): if it connects, the
  database is up again and that request goes on. So the first success comes at most about a second after the
  database accepts again; measured locally (tests/test_db_outage.py, PostgreSQL stopped for 3 s under requests),
  every answer during the outage came in under 50 ms and every kind of request succeeded within 0.2 s after.
- TCP keepalives and a TCP user timeout on every connection: a connection whose server vanished without closing it
  (a node lost, not a restart) is found dead in seconds instead of the system's two hours.
"""

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

# How long the database is taken as down after a failed connect, and the Retry-After every DatabaseUnavailable
# answer carries: a client that waits that long meets the next probe.
RETRY_AFTER_SECONDS = 1

# libpq's settings for every connection (a DATABASE_URL that sets one of them keeps its own): keepalive probes
# after 10 s of silence, every 5 s, 3 unanswered ones close the connection; data sent and not acknowledged for
# 10 s closes it too (a live server acknowledges at once, even while a long statement runs).
CONNECTION_DEFAULTS = {
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "10000",
}

T = TypeVar("T")


class DatabaseUnavailable(Exception):
    """No database connection in time: the database is unreachable (a connect failed, or failed moments ago), a
    connection was lost under a statement, or every connection stayed busy for DB_POOL_TIMEOUT. The exception's own
    text is for the log; clients get MESSAGE and Retry-After."""

    MESSAGE = "The database is not available right now. Please try again in a moment."
    retry_after = RETRY_AFTER_SECONDS


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as libpq (psycopg) takes it."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class ConnectBreaker:
    """Answers at once while the database is known to be down; lets one connect at a time find out it is back."""

    def __init__(self, open_seconds: float = RETRY_AFTER_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.open_seconds = open_seconds
        self.clock = clock
        self._down_until: float | None = None  # None: no connect failed since the last success
        self._probing = False

    @property
    def database_down(self) -> bool:
        return self._down_until is not None

    def check(self) -> None:
        """DatabaseUnavailable while the last connect failed less than open_seconds ago or a probe is under way."""
        if self._down_until is not None and (self._probing or self.clock() < self._down_until):
            raise DatabaseUnavailable("the database was unreachable moments ago")

    async def attempt(self, connect: Callable[[], Awaitable[T]]) -> T:
        """Run connect() unless the database is known to be down; record what it found."""
        self.check()
        probe = self._down_until is not None
        if probe:
            self._probing = True
        try:
            connection = await connect()
        except DatabaseUnavailable as error:
            if self._down_until is None:
                logger.warning(
                    "database unreachable: answering 503 until a connect succeeds", extra={"error": str(error)}
                )
            self._down_until = self.clock() + self.open_seconds
            raise
        finally:
            if probe:
                self._probing = False
        if self._down_until is not None:
            logger.warning("database reachable again")
        self._down_until = None
        return connection


class Connector:
    """Opens psycopg connections to DATABASE_URL within DB_CONNECT_TIMEOUT, through one breaker."""

    def __init__(self, database_url: str, timeout: float, breaker: ConnectBreaker | None = None) -> None:
        conninfo = libpq_url(database_url)
        # libpq's own timeout as well (whole seconds, at least 2): it bounds each address psycopg tries.
        defaults = {**CONNECTION_DEFAULTS, "connect_timeout": str(max(2, math.ceil(timeout)))}
        given = conninfo_to_dict(conninfo)
        self.conninfo = make_conninfo(conninfo, **{key: value for key, value in defaults.items() if key not in given})
        self.timeout = timeout
        self.breaker = breaker or ConnectBreaker()

    async def connect(self, **kwargs: Any) -> psycopg.AsyncConnection:
        """A new connection (kwargs: psycopg's, e.g. autocommit), or DatabaseUnavailable."""
        return await self.breaker.attempt(lambda: self._connect(**kwargs))

    async def _connect(self, **kwargs: Any) -> psycopg.AsyncConnection:
        try:
            async with asyncio.timeout(self.timeout):
                return await psycopg.AsyncConnection.connect(self.conninfo, **kwargs)
        except TimeoutError:
            raise DatabaseUnavailable(f"no database connection within {self.timeout:g} s") from None
        except (psycopg.OperationalError, OSError) as error:
            # Refused, no such host, the server starting up or shutting down, too many connections, a wrong password.
            raise DatabaseUnavailable(f"connecting to the database failed: {error}") from error

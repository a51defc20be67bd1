"""A first-come, first-served limit on requests that hold a database connection.

Beyond the pool's size, requests wait for a connection. SQLAlchemy's async pool lets a request that arrives
just as a connection comes back take it ahead of those already waiting, so under a steady overload a few
requests waited seconds while most waited milliseconds (p99 of 7 s at 64 connections against a p50 of
100 ms). This gate hands a freed slot straight to the longest-waiting request instead, so waiting is shared
out evenly; it admits exactly as many requests as the pool has connections, and like the pool it gives up after
DB_POOL_TIMEOUT seconds: DatabaseUnavailable (503 with Retry-After). While the database is known to be down
(db_connect.py's breaker) a request is answered at once instead of queueing for a connection it cannot get.
"""

import asyncio
from collections import deque
from contextlib import asynccontextmanager

from todo_api.db_connect import ConnectBreaker, DatabaseUnavailable


class FairGate:
    def __init__(self, slots: int, timeout: float, breaker: ConnectBreaker | None = None) -> None:
        self._free = slots
        self._timeout = timeout
        self._breaker = breaker
        self._waiters: deque[asyncio.Future] = deque()

    @asynccontextmanager
    async def slot(self):
        if self._breaker is not None:
            self._breaker.check()
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    async def _acquire(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self._timeout):
                await waiter
        except (asyncio.CancelledError, TimeoutError) as error:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the slot was handed over just as the wait ended: pass it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            if isinstance(error, TimeoutError):
                raise DatabaseUnavailable(f"no database connection came free within {self._timeout:g} s") from None
            raise

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot goes to the longest waiter, never to a newcomer
                return
        self._free += 1

"""The gate in front of the connection pool: first come, first served, bounded waits, no lost slots."""

import asyncio

import pytest

from todo_api.core.fair_gate import FairGate
from todo_api.db_connect import DatabaseUnavailable


def test_waiting_requests_get_the_slot_in_arrival_order_and_newcomers_do_not_jump_the_queue():
    async def scenario():
        gate = FairGate(1, timeout=5)
        order = []

        async def request(name, hold=0.01):
            async with gate.slot():
                order.append(name)
                await asyncio.sleep(hold)

        first = asyncio.create_task(request("first", hold=0.05))
        await asyncio.sleep(0.01)
        waiting = [asyncio.create_task(request(f"waiter {n}")) for n in range(3)]
        await asyncio.sleep(0.01)
        # arrives while all wait; with a barging pool it could take the slot the moment "first" lets go
        late = asyncio.create_task(request("late"))
        await asyncio.gather(first, *waiting, late)
        return order

    assert asyncio.run(scenario()) == ["first", "waiter 0", "waiter 1", "waiter 2", "late"]


def test_a_wait_past_the_timeout_is_database_unavailable_and_the_slot_is_not_lost():
    async def scenario():
        gate = FairGate(1, timeout=0.05)
        holder_entered = asyncio.Event()

        async def holder():
            async with gate.slot():
                holder_entered.set()
                await asyncio.sleep(0.2)

        task = asyncio.create_task(holder())
        await holder_entered.wait()
        with pytest.raises(DatabaseUnavailable):
            async with gate.slot():
                pass
        await task
        async with gate.slot():  # the slot came back
            return True

    assert asyncio.run(scenario())


def test_a_cancelled_waiter_gives_up_its_place():
    async def scenario():
        gate = FairGate(1, timeout=5)
        release = asyncio.Event()

        async def holder():
            async with gate.slot():
                await release.wait()

        holding = asyncio.create_task(holder())
        await asyncio.sleep(0)
        cancelled = asyncio.create_task(gate._acquire())
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.sleep(0)
        release.set()
        await holding
        async with gate.slot():
            return gate._free

    assert asyncio.run(scenario()) == 0

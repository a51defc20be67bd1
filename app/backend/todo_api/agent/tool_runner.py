"""Runs the task tools for one user on one DB session and records each call for the chat reply."""

from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.agent.base import ToolCall
from todo_api.services import task_tools

if TYPE_CHECKING:
    from todo_api.db_fast import FastPool


class ToolRunner:
    """`fast_pool` (PostgreSQL) serves list_tasks in one prepared statement; the other tools use the session."""

    def __init__(self, session: AsyncSession, user_id: int, fast_pool: "FastPool | None" = None) -> None:
        self.session = session
        self.user_id = user_id
        self.fast_pool = fast_pool
        self.calls: list[ToolCall] = []

    async def call(self, name: str, **arguments: Any) -> Any:
        if name not in task_tools.TOOL_NAMES:
            raise ValueError(f"unknown tool {name}")
        tool = getattr(task_tools, name)
        if name == "list_tasks" and self.fast_pool is not None:
            result = await tool(self.session, self.user_id, **arguments, fast_pool=self.fast_pool)
        else:
            result = await tool(self.session, self.user_id, **arguments)
        self.calls.append(ToolCall(name=name, arguments=arguments, result=result))
        return result

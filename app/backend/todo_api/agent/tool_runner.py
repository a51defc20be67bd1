"""Runs the task tools for one user on one DB session and records each call for the chat reply."""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.agent.base import ToolCall
from todo_api.services import task_tools


class ToolRunner:
    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id
        self.calls: list[ToolCall] = []

    async def call(self, name: str, **arguments: Any) -> Any:
        if name not in task_tools.TOOL_NAMES:
            raise ValueError(f"unknown tool {name}")
        tool = getattr(task_tools, name)
        result = await tool(self.session, self.user_id, **arguments)
        self.calls.append(ToolCall(name=name, arguments=arguments, result=result))
        return result

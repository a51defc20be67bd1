"""The five task tools with the result shapes the MCP contract fixes.

The MCP server exposes exactly these; the offline chat engine calls the same functions, so a task
behaves the same whichever door it came through.
"""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.services import tasks as task_service

TOOL_NAMES = ("add_task", "list_tasks", "complete_task", "delete_task", "update_task")


async def add_task(session: AsyncSession, user_id: int, title: str, description: str | None = None) -> dict[str, Any]:
    task = await task_service.create_task(session, user_id, title, description)
    return {"task_id": task.id, "status": "created", "title": task.title}


async def list_tasks(session: AsyncSession, user_id: int, status: str = "all") -> list[dict[str, Any]]:
    tasks = await task_service.list_tasks(session, user_id, status)  # type: ignore[arg-type]
    return [{"id": task.id, "title": task.title, "completed": task.completed} for task in tasks]


async def complete_task(session: AsyncSession, user_id: int, task_id: int, completed: bool = True) -> dict[str, Any]:
    task = await task_service.set_completed(session, user_id, task_id, completed)
    return {"task_id": task.id, "status": "completed" if task.completed else "pending", "title": task.title}


async def delete_task(session: AsyncSession, user_id: int, task_id: int) -> dict[str, Any]:
    task = await task_service.delete_task(session, user_id, task_id)
    return {"task_id": task_id, "status": "deleted", "title": task.title}


async def update_task(
    session: AsyncSession, user_id: int, task_id: int, title: str | None = None, description: str | None = None
) -> dict[str, Any]:
    task = await task_service.update_task(session, user_id, task_id, title=title, description=description)
    return {"task_id": task.id, "status": "updated", "title": task.title}

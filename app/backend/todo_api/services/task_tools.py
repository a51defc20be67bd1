"""The five task tools with the result shapes the MCP contract fixes.

The MCP server exposes exactly these; the offline chat engine calls the same functions, so a task
behaves the same whichever door it came through. A tool's `task_id` is the task's number among the user's
tasks (1 for their first; TaskPublic.number in REST), the number the user sees and says: "mark task 3 as
done" is complete_task(task_id=3) for everyone, whatever ids other users' tasks took.
"""

from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.models import ID_MAX
from todo_api.services import tasks as task_service
from todo_api.services.errors import InvalidInputError

if TYPE_CHECKING:
    from todo_api.db_fast import FastPool

TOOL_NAMES = ("add_task", "list_tasks", "complete_task", "delete_task", "update_task")


async def add_task(session: AsyncSession, user_id: int, title: str, description: str | None = None) -> dict[str, Any]:
    task = await task_service.create_task(session, user_id, title, description)
    return {"task_id": task.number, "status": "created", "title": task.title}


# What one list_tasks call returns at most: a page, so a user with thousands of tasks cannot flood a
# model's context or a chat reply. The tool says how to get the next page.
TOOL_PAGE_DEFAULT = 50
TOOL_PAGE_MAX = 100


async def list_tasks(
    session: AsyncSession,
    user_id: int,
    status: str = "all",
    limit: int = TOOL_PAGE_DEFAULT,
    after: int = 0,
    *,
    fast_pool: "FastPool | None" = None,
) -> list[dict[str, Any]]:
    """With `fast_pool` (PostgreSQL), one prepared statement on it instead of the session (db_fast.py)."""
    if not 1 <= limit <= TOOL_PAGE_MAX:
        raise InvalidInputError(f"limit must be between 1 and {TOOL_PAGE_MAX}.")
    if not 0 <= after <= ID_MAX:
        raise InvalidInputError("after must be a task number (or 0 for the first page).")
    if fast_pool is not None:
        task_service.check_status(status)
        rows = await fast_pool.tool_task_page(user_id, status, limit=limit, after=after)  # type: ignore[arg-type]
        return [{"id": number, "title": title, "completed": completed} for number, title, completed in rows]
    items, _ = await task_service.list_task_page(
        session,
        user_id,
        status,  # type: ignore[arg-type]
        limit=limit,
        after=after,
        by="number",
    )
    return [{"id": item["number"], "title": item["title"], "completed": item["completed"]} for item in items]


async def complete_task(session: AsyncSession, user_id: int, task_id: int, completed: bool = True) -> dict[str, Any]:
    task = await task_service.set_completed(session, user_id, task_id, completed, by="number")
    return {"task_id": task.number, "status": "completed" if task.completed else "pending", "title": task.title}


async def delete_task(session: AsyncSession, user_id: int, task_id: int) -> dict[str, Any]:
    task = await task_service.delete_task(session, user_id, task_id, by="number")
    return {"task_id": task_id, "status": "deleted", "title": task.title}


async def update_task(
    session: AsyncSession, user_id: int, task_id: int, title: str | None = None, description: str | None = None
) -> dict[str, Any]:
    task = await task_service.update_task(session, user_id, task_id, title=title, description=description, by="number")
    return {"task_id": task.number, "status": "updated", "title": task.title}

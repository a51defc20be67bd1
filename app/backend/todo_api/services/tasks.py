"""Task operations, always scoped to one user: a task of another user simply does not exist here."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.models import DESCRIPTION_MAX, TITLE_MAX, Task, TaskStatusFilter, utcnow
from todo_api.services.errors import InvalidInputError, NotFoundError

TASK_STATUSES = ("all", "pending", "completed")


def clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidInputError(f"A task title needs 1 to {TITLE_MAX} characters.")
    return title


def clean_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInputError(f"A task description can have at most {DESCRIPTION_MAX} characters.")
    return description


async def list_tasks(session: AsyncSession, user_id: int, status: TaskStatusFilter = "all") -> list[Task]:
    if status not in TASK_STATUSES:
        raise InvalidInputError("status must be one of: all, pending, completed.")
    query = select(Task).where(Task.user_id == user_id)
    if status == "pending":
        query = query.where(col(Task.completed).is_(False))
    elif status == "completed":
        query = query.where(col(Task.completed).is_(True))
    result = await session.exec(query.order_by(col(Task.id)))
    return list(result.all())


async def get_task(session: AsyncSession, user_id: int, task_id: int) -> Task:
    result = await session.exec(select(Task).where(Task.id == task_id, Task.user_id == user_id))
    task = result.first()
    if task is None:
        raise NotFoundError(f"Task {task_id} was not found.")
    return task


async def create_task(session: AsyncSession, user_id: int, title: str, description: str | None = None) -> Task:
    task = Task(user_id=user_id, title=clean_title(title), description=clean_description(description))
    session.add(task)
    # Every column gets its value in Python (no server defaults) and INSERT returns the id, so the
    # object is complete after commit: no refresh round trip.
    await session.commit()
    return task


async def update_task(
    session: AsyncSession,
    user_id: int,
    task_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    completed: bool | None = None,
) -> Task:
    task = await get_task(session, user_id, task_id)
    if title is not None:
        task.title = clean_title(title)
    if description is not None:
        task.description = clean_description(description)
    if completed is not None:
        task.completed = completed
    task.updated_at = utcnow()
    session.add(task)
    await session.commit()
    return task


async def toggle_task(session: AsyncSession, user_id: int, task_id: int) -> Task:
    task = await get_task(session, user_id, task_id)
    return await update_task(session, user_id, task_id, completed=not task.completed)


async def delete_task(session: AsyncSession, user_id: int, task_id: int) -> Task:
    task = await get_task(session, user_id, task_id)
    await session.delete(task)
    await session.commit()
    return task

"""Task operations, always scoped to one user: a task of another user simply does not exist here.

Every change is one SQL statement (UPDATE ... RETURNING, DELETE ... RETURNING) that reads and writes the
row atomically, so concurrent changes are never lost: a toggle flips what is stored at that instant,
and of two deletes of one task exactly one finds it (the other is a 404, never a 500).
"""

import re

from sqlalchemy import delete, not_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.models import (
    DESCRIPTION_MAX,
    TEXT_PATTERN,
    TITLE_MAX,
    VISIBLE_TEXT_PATTERN,
    Task,
    TaskStatusFilter,
    utcnow,
    valid_id,
)
from todo_api.services.errors import InvalidInputError, NotFoundError

TASK_STATUSES = ("all", "pending", "completed")
# The API's own rules (models.py), so MCP and chat refuse exactly what REST refuses.
_VISIBLE_TEXT = re.compile(VISIBLE_TEXT_PATTERN)
_TEXT = re.compile(TEXT_PATTERN)


def clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidInputError(f"A task title needs 1 to {TITLE_MAX} characters.")
    if not _VISIBLE_TEXT.match(title):
        raise InvalidInputError("A task title needs a visible character and no control characters.")
    return title


def clean_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInputError(f"A task description can have at most {DESCRIPTION_MAX} characters.")
    if not _TEXT.match(description):
        raise InvalidInputError("A task description cannot contain control characters.")
    return description


def _not_found(task_id: int) -> NotFoundError:
    return NotFoundError(f"Task {task_id} was not found.")


def _owned(task_id: int, user_id: int):
    return (col(Task.id) == task_id, col(Task.user_id) == user_id)


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
    if not valid_id(task_id):
        raise _not_found(task_id)
    result = await session.exec(select(Task).where(*_owned(task_id, user_id)))
    task = result.first()
    if task is None:
        raise _not_found(task_id)
    return task


async def create_task(session: AsyncSession, user_id: int, title: str, description: str | None = None) -> Task:
    task = Task(user_id=user_id, title=clean_title(title), description=clean_description(description))
    session.add(task)
    # Every column gets its value in Python (no server defaults) and INSERT returns the id, so the
    # object is complete after commit: no refresh round trip.
    await session.commit()
    return task


async def _update_returning(session: AsyncSession, user_id: int, task_id: int, values: dict) -> Task:
    if not valid_id(task_id):
        raise _not_found(task_id)
    statement = (
        update(Task)
        .where(*_owned(task_id, user_id))
        .values(**values, updated_at=utcnow())
        .returning(Task)
        # the stored row, even where this session already holds the task from an earlier read
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    task = (await session.exec(statement)).scalars().first()
    await session.commit()
    if task is None:
        raise _not_found(task_id)
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
    values: dict = {}
    if title is not None:
        values["title"] = clean_title(title)
    if description is not None:
        values["description"] = clean_description(description)
    if completed is not None:
        values["completed"] = completed
    return await _update_returning(session, user_id, task_id, values)


async def set_completed(session: AsyncSession, user_id: int, task_id: int, completed: bool | None = None) -> Task:
    """Mark a task done (True) or not done (False); None flips what is stored, in the same statement."""
    value = not_(col(Task.completed)) if completed is None else completed
    return await _update_returning(session, user_id, task_id, {"completed": value})


async def delete_task(session: AsyncSession, user_id: int, task_id: int) -> Task:
    if not valid_id(task_id):
        raise _not_found(task_id)
    statement = (
        delete(Task).where(*_owned(task_id, user_id)).returning(Task).execution_options(synchronize_session=False)
    )
    task = (await session.exec(statement)).scalars().first()
    await session.commit()
    if task is None:
        raise _not_found(task_id)
    return task

"""Task operations, always scoped to one user: a task of another user simply does not exist here.

Every change is one SQL statement (UPDATE ... RETURNING, DELETE ... RETURNING) that reads and writes the
row atomically, so concurrent changes are never lost: a toggle flips what is stored at that instant,
and of two deletes of one task exactly one finds it (the other is a 404, never a 500).
"""

import re
from datetime import UTC
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import delete, func, not_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.models import (
    DESCRIPTION_MAX,
    TEXT_PATTERN,
    TITLE_MAX,
    VISIBLE_TEXT_PATTERN,
    Task,
    TaskStatusFilter,
    User,
    utcnow,
    valid_id,
)
from todo_api.services.errors import AccountGoneError, InvalidInputError, NotFoundError, rows_of_user

if TYPE_CHECKING:
    from todo_api.db_fast import FastPool

TASK_STATUSES = ("all", "pending", "completed")
# A page of the task list: the default and the most one request returns (REST, MCP and chat alike).
PAGE_DEFAULT = 100
PAGE_MAX = 500
# The columns of a task as the API shows it, read as plain rows (no ORM objects on the list path).
PUBLIC_COLUMNS = ("id", "number", "user_id", "title", "description", "completed", "created_at", "updated_at")
# The API's own rules (models.py), so MCP and chat refuse exactly what REST refuses.
_VISIBLE_TEXT = re.compile(VISIBLE_TEXT_PATTERN)
_TEXT = re.compile(TEXT_PATTERN)
# How a task is named: by its id (the REST paths) or by its number among the user's tasks (what the user sees
# and says; the MCP tools and the chat). Both are unique within a user and grow in the same order.
TaskKey = Literal["id", "number"]


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


def _owned(task_id: int, user_id: int, by: TaskKey):
    return (col(getattr(Task, by)) == task_id, col(Task.user_id) == user_id)


def check_status(status: str) -> None:
    if status not in TASK_STATUSES:
        raise InvalidInputError("status must be one of: all, pending, completed.")


def _status_query(query, user_id: int, status: str):
    check_status(status)
    query = query.where(col(Task.user_id) == user_id)
    if status == "pending":
        query = query.where(col(Task.completed).is_(False))
    elif status == "completed":
        query = query.where(col(Task.completed).is_(True))
    return query


def _page_size(limit: int) -> int:
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInputError(f"limit must be between 1 and {PAGE_MAX}.")
    return limit


async def list_tasks(
    session: AsyncSession, user_id: int, status: TaskStatusFilter = "all", *, limit: int = PAGE_MAX, after: int = 0
) -> list[Task]:
    """Up to `limit` of the user's tasks with ids above `after`, in id order, as ORM objects."""
    query = _status_query(select(Task), user_id, status).where(col(Task.id) > after)
    result = await session.exec(query.order_by(col(Task.id)).limit(_page_size(limit)))
    return list(result.all())


async def list_task_page(
    session: AsyncSession,
    user_id: int,
    status: TaskStatusFilter = "all",
    *,
    limit: int = PAGE_DEFAULT,
    after: int = 0,
    by: TaskKey = "id",
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the task list as plain dicts in the API's shape, and the cursor of the next page.

    The order is the task id, or the number with by="number" (the same order: both only grow); `after` is
    the last id (number) of the previous page. The rows are read as tuples, never as ORM objects: the list
    is the hottest path and most of its cost was building and instrumenting one object per row.
    """
    columns = [getattr(Task, name) for name in PUBLIC_COLUMNS]
    key = col(getattr(Task, by))
    query = _status_query(select(*columns), user_id, status).where(key > after)
    page_size = _page_size(limit)
    rows = (await session.exec(query.order_by(key).limit(page_size + 1))).all()
    next_after = rows[page_size - 1][PUBLIC_COLUMNS.index(by)] if len(rows) > page_size else None
    items = [dict(zip(PUBLIC_COLUMNS, row, strict=True)) for row in rows[:page_size]]
    for item in items:
        # SQLite hands timestamps back without their zone; every one of ours is UTC.
        if item["created_at"].tzinfo is None:
            item["created_at"] = item["created_at"].replace(tzinfo=UTC)
            item["updated_at"] = item["updated_at"].replace(tzinfo=UTC)
    return items, next_after


async def task_page_json(
    fast_pool: "FastPool", user_id: int, status: TaskStatusFilter = "all", *, limit: int = PAGE_DEFAULT, after: int = 0
) -> tuple[bytes, int | None]:
    """list_task_page's result as the response body, written by PostgreSQL (db_fast.py): the same bytes."""
    check_status(status)
    return await fast_pool.task_page(user_id, status, limit=_page_size(limit), after=after)


async def count_tasks(
    session: AsyncSession, user_id: int, status: TaskStatusFilter = "all", *, fast_pool: "FastPool | None" = None
) -> int:
    if fast_pool is not None:
        check_status(status)
        return await fast_pool.count_tasks(user_id, status)
    query = _status_query(select(func.count()).select_from(Task), user_id, status)
    return (await session.exec(query)).one()


async def get_task(session: AsyncSession, user_id: int, task_id: int, *, by: TaskKey = "id") -> Task:
    if not valid_id(task_id):
        raise _not_found(task_id)
    result = await session.exec(select(Task).where(*_owned(task_id, user_id, by)))
    task = result.first()
    if task is None:
        raise _not_found(task_id)
    return task


async def create_task(session: AsyncSession, user_id: int, title: str, description: str | None = None) -> Task:
    title, description = clean_title(title), clean_description(description)
    # The user's next number, taken in the same transaction as the insert: the UPDATE locks the user's row,
    # so two tasks made at once get two numbers (and a number is never taken twice).
    counter = (
        update(User)
        .where(col(User.id) == user_id)
        .values(last_task_number=col(User.last_task_number) + 1)
        .returning(col(User.last_task_number))
    )
    async with rows_of_user(session):
        number = (await session.exec(counter)).scalar_one_or_none()
        if number is None:
            await session.rollback()
            raise AccountGoneError("This account no longer exists.")
        task = Task(user_id=user_id, number=number, title=title, description=description)
        session.add(task)
        # Every column gets its value in Python (no server defaults) and INSERT returns the id, so the
        # object is complete after commit: no refresh round trip.
        await session.commit()
    return task


async def _update_returning(session: AsyncSession, user_id: int, task_id: int, values: dict, by: TaskKey) -> Task:
    if not valid_id(task_id):
        raise _not_found(task_id)
    statement = (
        update(Task)
        .where(*_owned(task_id, user_id, by))
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
    by: TaskKey = "id",
) -> Task:
    values: dict = {}
    if title is not None:
        values["title"] = clean_title(title)
    if description is not None:
        values["description"] = clean_description(description)
    if completed is not None:
        values["completed"] = completed
    return await _update_returning(session, user_id, task_id, values, by)


async def set_completed(
    session: AsyncSession, user_id: int, task_id: int, completed: bool | None = None, *, by: TaskKey = "id"
) -> Task:
    """Mark a task done (True) or not done (False); None flips what is stored, in the same statement."""
    value = not_(col(Task.completed)) if completed is None else completed
    return await _update_returning(session, user_id, task_id, {"completed": value}, by)


async def delete_task(session: AsyncSession, user_id: int, task_id: int, *, by: TaskKey = "id") -> Task:
    if not valid_id(task_id):
        raise _not_found(task_id)
    statement = (
        delete(Task).where(*_owned(task_id, user_id, by)).returning(Task).execution_options(synchronize_session=False)
    )
    task = (await session.exec(statement)).scalars().first()
    await session.commit()
    if task is None:
        raise _not_found(task_id)
    return task


# The same operations on PostgreSQL's fast path (db_fast.py): the same rules, one statement each, and the
# task comes back as the response body (the bytes pydantic-core writes for TaskPublic).


async def create_task_json(fast_pool: "FastPool", user_id: int, title: str, description: str | None = None) -> bytes:
    return await fast_pool.create_task(user_id, clean_title(title), clean_description(description), utcnow())


async def update_task_json(
    fast_pool: "FastPool",
    user_id: int,
    task_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    completed: bool | None = None,
    flip: bool = False,
) -> bytes:
    """update_task and set_completed in one: `flip` turns `completed` over as stored at that instant."""
    if not valid_id(task_id):
        raise _not_found(task_id)
    values = {
        "title": None if title is None else clean_title(title),
        "description": None if description is None else clean_description(description),
        "completed": completed,
        "flip": flip,
    }
    body = await fast_pool.update_task(user_id, task_id, values, utcnow())
    if body is None:
        raise _not_found(task_id)
    return body


async def delete_task_json(fast_pool: "FastPool", user_id: int, task_id: int) -> None:
    if not valid_id(task_id) or await fast_pool.delete_task(user_id, task_id) is None:
        raise _not_found(task_id)

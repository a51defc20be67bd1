from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Path, Query, Request, Response, status
from pydantic_core import to_json

from todo_api.api.deps import OwnerId, ReadSessionDep, read_session, write_session
from todo_api.models import ID_MAX, Task, TaskCompletion, TaskCreate, TaskPublic, TaskStatusFilter, TaskUpdate
from todo_api.services import tasks as task_service

router = APIRouter(prefix="/api/{user_id}/tasks", tags=["tasks"])


TaskId = Annotated[int, Path(ge=1, le=ID_MAX, description="The task's id")]


def _public(task: Task) -> TaskPublic:
    return TaskPublic.model_validate(task, from_attributes=True)


def _public_json(task: Task) -> bytes:
    return TaskPublic.__pydantic_serializer__.to_json(_public(task))


@router.get(
    "",
    response_model=list[TaskPublic],
    responses={
        200: {
            "description": 'One page of tasks in id order. When there are more, the `Link` header (rel="next") '
            "and `X-Next-After` give the next page's `after`.",
            "headers": {
                "X-Next-After": {
                    "description": "The `after` of the next page; absent on the last page.",
                    "schema": {"type": "integer"},
                },
                "Link": {"description": 'RFC 8288 link to the next page (rel="next").', "schema": {"type": "string"}},
            },
        }
    },
)
async def list_tasks(
    request: Request,
    *,
    owner_id: OwnerId,
    status: TaskStatusFilter = "all",
    limit: Annotated[
        int, Query(ge=1, le=task_service.PAGE_MAX, description="Tasks per page")
    ] = task_service.PAGE_DEFAULT,
    after: Annotated[int, Query(ge=0, le=ID_MAX, description="Only tasks with a larger id (the cursor)")] = 0,
) -> Response:
    fast_pool = request.app.state.fast_pool
    if fast_pool is not None:
        # PostgreSQL writes the body itself (db_fast.py): no row object, no model, no encoding here.
        body, next_after = await task_service.task_page_json(fast_pool, owner_id, status, limit=limit, after=after)
    else:
        async with read_session(request) as session:
            items, next_after = await task_service.list_task_page(session, owner_id, status, limit=limit, after=after)
        # One pass straight from the rows (pydantic-core, the models' encoder): no model per row.
        body = to_json(items)
    headers = {}
    if next_after is not None:
        query = urlencode({"status": status, "limit": limit, "after": next_after})
        headers = {"X-Next-After": str(next_after), "Link": f'<{request.url.path}?{query}>; rel="next"'}
    return Response(body, media_type="application/json", headers=headers)


def _json(body: bytes, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")


# Each change below has two paths with the same answers: PostgreSQL's fast path (one statement that returns
# the response body, db_fast.py) and the portable one through SQLAlchemy (SQLite); tests compare them.


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TaskPublic)
async def create_task(request: Request, body: TaskCreate, owner_id: OwnerId) -> Response:
    fast_pool = request.app.state.fast_pool
    if fast_pool is not None:
        created = await task_service.create_task_json(fast_pool, owner_id, body.title, body.description)
        return _json(created, status.HTTP_201_CREATED)
    async with write_session(request) as session:
        task = await task_service.create_task(session, owner_id, body.title, body.description)
    return _json(_public_json(task), status.HTTP_201_CREATED)


@router.get("/{task_id}", response_model=TaskPublic)
async def get_task(task_id: TaskId, owner_id: OwnerId, session: ReadSessionDep) -> TaskPublic:
    return _public(await task_service.get_task(session, owner_id, task_id))


@router.put("/{task_id}", response_model=TaskPublic)
async def update_task(request: Request, task_id: TaskId, body: TaskUpdate, owner_id: OwnerId) -> Response:
    fields = {"title": body.title, "description": body.description, "completed": body.completed}
    fast_pool = request.app.state.fast_pool
    if fast_pool is not None:
        return _json(await task_service.update_task_json(fast_pool, owner_id, task_id, **fields))
    async with write_session(request) as session:
        task = await task_service.update_task(session, owner_id, task_id, **fields)
    return _json(_public_json(task))


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(request: Request, task_id: TaskId, owner_id: OwnerId) -> Response:
    fast_pool = request.app.state.fast_pool
    if fast_pool is not None:
        await task_service.delete_task_json(fast_pool, owner_id, task_id)
    else:
        async with write_session(request) as session:
            await task_service.delete_task(session, owner_id, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/{task_id}/complete", response_model=TaskPublic)
async def complete_task(
    request: Request,
    task_id: TaskId,
    owner_id: OwnerId,
    body: Annotated[TaskCompletion | None, Body()] = None,
) -> Response:
    """Mark the task done or not done ({"completed": true/false}); with no body, flip its state."""
    completed = body.completed if body is not None else None
    fast_pool = request.app.state.fast_pool
    if fast_pool is not None:
        return _json(
            await task_service.update_task_json(
                fast_pool, owner_id, task_id, completed=completed, flip=completed is None
            )
        )
    async with write_session(request) as session:
        task = await task_service.set_completed(session, owner_id, task_id, completed)
    return _json(_public_json(task))

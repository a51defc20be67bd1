from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Path, Query, Request, Response, status
from pydantic_core import to_json

from todo_api.api.deps import OwnerId, ReadSessionDep, SessionDep, read_session
from todo_api.models import ID_MAX, Task, TaskCompletion, TaskCreate, TaskPublic, TaskStatusFilter, TaskUpdate
from todo_api.services import tasks as task_service

router = APIRouter(prefix="/api/{user_id}/tasks", tags=["tasks"])


TaskId = Annotated[int, Path(ge=1, le=ID_MAX, description="The task's id")]


def _public(task: Task) -> TaskPublic:
    return TaskPublic.model_validate(task, from_attributes=True)


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
    read_pool = request.app.state.read_pool
    if read_pool is not None:
        # PostgreSQL writes the body itself (db_reads.py): no row object, no model, no encoding here.
        body, next_after = await task_service.task_page_json(read_pool, owner_id, status, limit=limit, after=after)
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


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TaskPublic)
async def create_task(body: TaskCreate, owner_id: OwnerId, session: SessionDep) -> TaskPublic:
    return _public(await task_service.create_task(session, owner_id, body.title, body.description))


@router.get("/{task_id}", response_model=TaskPublic)
async def get_task(task_id: TaskId, owner_id: OwnerId, session: ReadSessionDep) -> TaskPublic:
    return _public(await task_service.get_task(session, owner_id, task_id))


@router.put("/{task_id}", response_model=TaskPublic)
async def update_task(task_id: TaskId, body: TaskUpdate, owner_id: OwnerId, session: SessionDep) -> TaskPublic:
    task = await task_service.update_task(
        session, owner_id, task_id, title=body.title, description=body.description, completed=body.completed
    )
    return _public(task)


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(task_id: TaskId, owner_id: OwnerId, session: SessionDep) -> Response:
    await task_service.delete_task(session, owner_id, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/{task_id}/complete", response_model=TaskPublic)
async def complete_task(
    task_id: TaskId, owner_id: OwnerId, session: SessionDep, body: Annotated[TaskCompletion | None, Body()] = None
) -> TaskPublic:
    """Mark the task done or not done ({"completed": true/false}); with no body, flip its state."""
    completed = body.completed if body is not None else None
    return _public(await task_service.set_completed(session, owner_id, task_id, completed))

"""The MCP server (official `mcp` SDK 2.x), served over streamable HTTP at /mcp.

Clients authenticate with the same JWT as the REST API (`Authorization: Bearer ...`). The user every
tool acts for comes from that token, never from the tool arguments, so a model cannot reach another
user's tasks. The tools are the same service-layer functions the chat agent uses.
"""

from contextlib import nullcontext
from typing import Annotated, Any, Literal

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from todo_api.core.config import Settings
from todo_api.core.fair_gate import FairGate
from todo_api.core.metrics import Metrics
from todo_api.core.security import InvalidTokenError, decode_access_token
from todo_api.db_connect import DatabaseUnavailable
from todo_api.models import DESCRIPTION_MAX, ID_MAX, TITLE_MAX
from todo_api.services import task_tools
from todo_api.services.errors import ServiceError

MCP_PATH = "/mcp"


class JwtTokenVerifier:
    """Accepts the app's own access tokens; the subject is the user id."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            user_id = decode_access_token(self.settings, token)
        except InvalidTokenError:
            return None
        return AccessToken(token=token, client_id=f"user-{user_id}", scopes=[], subject=str(user_id))


def _current_user_id(ctx: Context) -> int:
    access_token = get_access_token()
    if access_token is None:
        # The bearer middleware stores the user on the HTTP request as well; use it when the
        # context variable did not travel to the task running this tool.
        user = getattr(getattr(ctx.request_context, "request", None), "user", None)
        access_token = getattr(user, "access_token", None)
    if access_token is None or access_token.subject is None:
        raise ToolError("Not authenticated")
    return int(access_token.subject)


Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX, description="Short title of the task")]
Description = Annotated[str | None, Field(max_length=DESCRIPTION_MAX, description="Optional longer description")]
TaskId = Annotated[
    int,
    Field(
        ge=1,
        le=ID_MAX,
        description="The task's number in the user's list (1 for their first task; the `id` list_tasks shows)",
    ),
]


def build_mcp_server(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    metrics: Metrics | None = None,
    gate: FairGate | None = None,
) -> MCPServer:
    mcp = MCPServer(
        name="todo-tasks",
        instructions="Manage the authenticated user's todo list.",
        token_verifier=JwtTokenVerifier(settings),
        # Resource-server only: tokens come from /api/auth/login, so no OAuth endpoints are served.
        auth=AuthSettings(issuer_url="http://localhost", resource_server_url=None),
        log_level=settings.log_level if settings.log_level in ("DEBUG", "INFO", "WARNING", "ERROR") else "INFO",
    )

    async def run(tool, ctx: Context, **arguments: Any) -> Any:
        user_id = _current_user_id(ctx)
        if metrics is not None:
            metrics.tool_calls.labels(tool.__name__, "mcp").inc()
        try:
            async with gate.slot() if gate else nullcontext(), session_factory() as session:
                return await tool(session, user_id, **arguments)
        except ServiceError as error:
            raise ToolError(str(error)) from None
        except DatabaseUnavailable:
            # The REST API's 503 as a tool error: MCP answers tool failures inside its own 200 response.
            raise ToolError(DatabaseUnavailable.MESSAGE) from None

    @mcp.tool()
    async def add_task(title: Title, ctx: Context, description: Description = None) -> dict[str, Any]:
        """Add a task to the user's todo list. Returns {task_id, status: "created", title}."""
        return await run(task_tools.add_task, ctx, title=title, description=description)

    @mcp.tool()
    async def list_tasks(
        ctx: Context,
        status: Literal["all", "pending", "completed"] = "all",
        limit: Annotated[int, Field(ge=1, le=task_tools.TOOL_PAGE_MAX)] = task_tools.TOOL_PAGE_DEFAULT,
        after: Annotated[int, Field(ge=0, le=ID_MAX)] = 0,
    ) -> list[dict[str, Any]]:
        """List the user's tasks in order, optionally only pending or completed ones: at most `limit` (default
        50) with numbers above `after`. Returns [{id, title, completed}], where `id` is the task's number in the
        user's list (1 for their first task; what the user calls "task 3", and the task_id of the other tools).
        When `limit` tasks come back there may be more: call again with after = the last id."""
        return await run(task_tools.list_tasks, ctx, status=status, limit=limit, after=after)

    @mcp.tool()
    async def complete_task(task_id: TaskId, ctx: Context, completed: bool = True) -> dict[str, Any]:
        """Mark a task as completed (or, with completed=false, as not done again).
        Returns {task_id, status: "completed" or "pending", title}."""
        return await run(task_tools.complete_task, ctx, task_id=task_id, completed=completed)

    @mcp.tool()
    async def delete_task(task_id: TaskId, ctx: Context) -> dict[str, Any]:
        """Delete a task. Returns {task_id, status: "deleted", title}."""
        return await run(task_tools.delete_task, ctx, task_id=task_id)

    @mcp.tool()
    async def update_task(
        task_id: TaskId, ctx: Context, title: Title | None = None, description: Description = None
    ) -> dict[str, Any]:
        """Change a task's title and/or description. Returns {task_id, status: "updated", title}."""
        return await run(task_tools.update_task, ctx, task_id=task_id, title=title, description=description)

    return mcp


def build_mcp_app(mcp: MCPServer) -> Starlette:
    """The streamable HTTP ASGI app; its session manager must run in the host app's lifespan."""
    return mcp.streamable_http_app(
        streamable_http_path=MCP_PATH,
        # Stateless: any replica can answer any request, matching the stateless chat design.
        stateless_http=True,
        json_response=True,
        # Bearer auth guards the endpoint; the Host header differs behind every ingress/proxy.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )

"""FastAPI dependencies: settings, DB session, the authenticated user and the owner check."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.core.config import Settings
from todo_api.core.security import InvalidTokenError, decode_access_token
from todo_api.models import ID_MAX

_bearer = HTTPBearer(auto_error=False)


# Dependencies are `async def` even when they never await: FastAPI runs plain `def` ones in a
# worker thread, and those thread hops dominated the cost of a request under load.
async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


@asynccontextmanager
async def write_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db_gate.slot(), request.app.state.session_factory() as session:
        yield session


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with write_session(request) as session:
        yield session


@asynccontextmanager
async def chat_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Ungated (see UngatedSessionDep). With PostgreSQL's fast path storing the turn, the session only runs
    single statements (reads and the task tools), so it runs them in autocommit: no BEGIN/COMMIT round trips."""
    state = request.app.state
    factory = state.read_session_factory if state.fast_pool is not None else state.session_factory
    async with factory() as session:
        yield session


async def get_session_ungated(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        yield session


@asynccontextmanager
async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db_gate.slot(), request.app.state.read_session_factory() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with read_session(request) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
# For requests that wait on something else than the database while they hold a session: the chat turn
# (up to CHAT_TURN_TIMEOUT_SECONDS on a model whose tool calls come back through /mcp and take a slot of
# the gate themselves) and sign-up/login (the password hash, queued behind PASSWORD_HASH_CONCURRENCY).
# Holding a slot through those waits would starve the short requests; they hold a connection only while
# they read or write, between the waits.
UngatedSessionDep = Annotated[AsyncSession, Depends(get_session_ungated)]
# For endpoints that read with a single statement: no BEGIN/ROLLBACK round trips (db.py).
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _authenticated(settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> int:
    # The signed token is the proof of identity: no lookup per request (a deleted account's writes are refused
    # by the database: services/errors.py AccountGoneError).
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    try:
        return decode_access_token(settings, credentials.credentials)
    except InvalidTokenError:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
        ) from None


async def get_current_user_id(request: Request, credentials: BearerCredentials) -> int:
    return _authenticated(request.app.state.settings, credentials)


CurrentUserId = Annotated[int, Depends(get_current_user_id)]


async def owner_user_id(
    request: Request, user_id: Annotated[int, Path(ge=1, le=ID_MAX)], credentials: BearerCredentials
) -> int:
    """The {user_id} in the path must be the caller's own id. One level of dependencies, not three (settings,
    the current user, the owner): every task and chat request solves it, and in-process each level cost about
    a tenth of the request's app time (docs/benchmarks.md, third round)."""
    current_user_id = _authenticated(request.app.state.settings, credentials)
    if user_id != current_user_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "You can only access your own data")
    return current_user_id


OwnerId = Annotated[int, Depends(owner_user_id)]

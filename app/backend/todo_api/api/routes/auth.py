import math

from fastapi import APIRouter, HTTPException, Request, Response, status

from todo_api.api.deps import CurrentUserId, SettingsDep, UngatedSessionDep
from todo_api.core.security import create_access_token
from todo_api.models import AccountDeletion, Credentials, TokenResponse, User, UserPublic
from todo_api.services import users as user_service
from todo_api.services.errors import NotFoundError

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _token_response(settings, user: User, response: Response) -> TokenResponse:
    # A token is a credential: no cache, browser's or proxy's, may keep the answer that carries it.
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(
        access_token=create_access_token(settings, user.id),
        user=UserPublic(id=user.id, email=user.email),
    )


def _client_address(request: Request) -> str:
    # The peer, or the address the trusted proxy in front reported (uvicorn's --proxy-headers with
    # FORWARDED_ALLOW_IPS, which the chart sets: only the ingress controller and the frontend reach the backend).
    return request.client.host if request.client else "unknown"


def _refuse_while_throttled(throttle, account: str, client: str, message: str) -> None:
    """429 with Retry-After while the account or the client address has failed too often."""
    wait = throttle.retry_after(account, client)
    if wait > 0:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, message, headers={"Retry-After": str(math.ceil(wait))})


@router.post("/signup", status_code=status.HTTP_201_CREATED, response_model=TokenResponse)
async def signup(
    body: Credentials, request: Request, response: Response, session: UngatedSessionDep, settings: SettingsDep
) -> TokenResponse:
    user = await user_service.sign_up(session, request.app.state.hasher, body.email, body.password)
    return _token_response(settings, user, response)


@router.post("/login", response_model=TokenResponse)
async def login(
    body: Credentials, request: Request, response: Response, session: UngatedSessionDep, settings: SettingsDep
) -> TokenResponse:
    throttle = request.app.state.login_throttle
    client = _client_address(request)
    _refuse_while_throttled(throttle, body.email, client, "Too many failed logins; try again later.")
    try:
        user = await user_service.authenticate(session, request.app.state.hasher, body.email, body.password)
    except user_service.InvalidCredentialsError as error:
        throttle.failed(body.email, client)
        request.app.state.metrics.login_failures.inc()
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error), headers={"WWW-Authenticate": "Bearer"}) from None
    throttle.succeeded(body.email)
    return _token_response(settings, user, response)


@router.get("/me", response_model=UserPublic)
async def me(user_id: CurrentUserId, session: UngatedSessionDep) -> UserPublic:
    try:
        user = await user_service.get_user(session, user_id)
    except NotFoundError:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "User no longer exists") from None
    return UserPublic(id=user.id, email=user.email)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    body: AccountDeletion, request: Request, user_id: CurrentUserId, session: UngatedSessionDep
) -> Response:
    """Delete the signed-in account and all its tasks and conversations; the password confirms it."""
    throttle = request.app.state.login_throttle
    client = _client_address(request)
    account = f"user:{user_id}"
    _refuse_while_throttled(throttle, account, client, "Too many wrong passwords; try again later.")
    try:
        await user_service.delete_account(session, request.app.state.hasher, user_id, body.password)
    except user_service.InvalidCredentialsError as error:
        throttle.failed(account, client)
        request.app.state.metrics.login_failures.inc()
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error), headers={"WWW-Authenticate": "Bearer"}) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)

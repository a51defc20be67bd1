from fastapi import APIRouter, HTTPException, status

from todo_api.api.deps import CurrentUserId, SessionDep, SettingsDep
from todo_api.core.security import create_access_token
from todo_api.models import Credentials, TokenResponse, User, UserPublic
from todo_api.services import users as user_service
from todo_api.services.errors import NotFoundError

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _token_response(settings, user: User) -> TokenResponse:
    return TokenResponse(
        access_token=create_access_token(settings, user.id),
        user=UserPublic(id=user.id, email=user.email),
    )


@router.post("/signup", status_code=status.HTTP_201_CREATED, response_model=TokenResponse)
async def signup(body: Credentials, session: SessionDep, settings: SettingsDep) -> TokenResponse:
    user = await user_service.sign_up(session, body.email, body.password)
    return _token_response(settings, user)


@router.post("/login", response_model=TokenResponse)
async def login(body: Credentials, session: SessionDep, settings: SettingsDep) -> TokenResponse:
    try:
        user = await user_service.authenticate(session, body.email, body.password)
    except user_service.InvalidCredentialsError as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error), headers={"WWW-Authenticate": "Bearer"}) from None
    return _token_response(settings, user)


@router.get("/me", response_model=UserPublic)
async def me(user_id: CurrentUserId, session: SessionDep) -> UserPublic:
    try:
        user = await user_service.get_user(session, user_id)
    except NotFoundError:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "User no longer exists") from None
    return UserPublic(id=user.id, email=user.email)

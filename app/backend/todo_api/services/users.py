"""Sign-up and login. Argon2 hashing is CPU-bound, so it runs in a worker thread, never holding a DB connection."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.concurrency import run_in_threadpool

from todo_api.core.security import hash_password, verify_password
from todo_api.models import User
from todo_api.services.errors import ConflictError, NotFoundError

# Verifying against a real hash when the email is unknown keeps login timing from revealing which emails exist.
_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")


class InvalidCredentialsError(Exception):
    pass


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFoundError("User not found.")
    return user


async def sign_up(session: AsyncSession, email: str, password: str) -> User:
    password_hash = await run_in_threadpool(hash_password, password)
    user = User(email=email, password_hash=password_hash)
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise ConflictError("An account with this email already exists.") from error
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User:
    result = await session.exec(select(User).where(User.email == email))
    user = result.first()
    # End the read transaction so the connection goes back to the pool during the slow hash check.
    await session.commit()
    password_ok = await run_in_threadpool(verify_password, password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not password_ok:
        raise InvalidCredentialsError("Incorrect email or password.")
    return user

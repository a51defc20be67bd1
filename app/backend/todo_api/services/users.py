"""Sign-up and login.

Argon2 is CPU- and memory-heavy (about 64 MB each), so hashes run in worker threads, a bounded number
at once per process, and never while a database connection is held. New passwords follow NIST SP
800-63B: 8 to 128 characters, taken exactly as typed, and not one of the common passwords shipped in
todo_api/data/common_passwords.txt, nor the account's own email.
"""

import asyncio
from functools import cache
from importlib import resources

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.concurrency import run_in_threadpool

from todo_api.core.security import hash_password, verify_password
from todo_api.models import User
from todo_api.services.errors import ConflictError, InvalidInputError, NotFoundError

# Verifying against a real hash when the email is unknown keeps login timing from revealing which emails exist.
_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")


class InvalidCredentialsError(Exception):
    pass


class BoundedHasher:
    """Password hashing in worker threads, at most `concurrency` at once in this process."""

    def __init__(self, concurrency: int) -> None:
        self._slots = asyncio.Semaphore(concurrency)

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await run_in_threadpool(hash_password, password)

    async def verify(self, password: str, password_hash: str) -> bool:
        async with self._slots:
            return await run_in_threadpool(verify_password, password, password_hash)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("todo_api.data").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.lower() for line in text.splitlines() if line and not line.startswith("#"))


def check_new_password(password: str, email: str) -> None:
    lowered = password.lower()
    if lowered in common_passwords():
        raise InvalidInputError("This password is one of the most common ones; choose another.")
    if lowered in (email.lower(), email.split("@", 1)[0].lower()):
        raise InvalidInputError("The password must not be your email address.")


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFoundError("User not found.")
    return user


async def sign_up(session: AsyncSession, hasher: BoundedHasher, email: str, password: str) -> User:
    check_new_password(password, email)
    password_hash = await hasher.hash(password)
    user = User(email=email, password_hash=password_hash)
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise ConflictError("An account with this email already exists.") from error
    return user


async def authenticate(session: AsyncSession, hasher: BoundedHasher, email: str, password: str) -> User:
    result = await session.exec(select(User).where(User.email == email))
    user = result.first()
    # End the read transaction so the connection goes back to the pool during the slow hash check.
    await session.commit()
    password_ok = await hasher.verify(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not password_ok:
        raise InvalidCredentialsError("Incorrect email or password.")
    return user


async def delete_account(session: AsyncSession, hasher: BoundedHasher, user_id: int, password: str) -> None:
    """Delete the user and, through the foreign keys' ON DELETE CASCADE, every task, conversation and
    message of theirs, after checking the password."""
    user = await session.get(User, user_id)
    await session.commit()  # no connection held during the hash check
    password_ok = await hasher.verify(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not password_ok:
        raise InvalidCredentialsError("Incorrect password.")
    await session.exec(delete(User).where(col(User.id) == user_id))
    await session.commit()

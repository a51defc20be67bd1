"""Errors the service layer raises; each door (REST, MCP, chat) turns them into its own answer."""

from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError


class ServiceError(Exception):
    """Base class: the message is safe to show to the user."""


class NotFoundError(ServiceError):
    pass


class ConflictError(ServiceError):
    pass


class InvalidInputError(ServiceError):
    pass


class AccountGoneError(ServiceError):
    """The token is still valid but its account was deleted (a write found no user to belong to)."""


FOREIGN_KEY_VIOLATION = "23503"


@asynccontextmanager
async def rows_of_user(session):
    """Around writes of rows that belong to a user: a user deleted meanwhile is AccountGoneError (401), not a
    crash."""
    try:
        yield
    except IntegrityError as error:
        await session.rollback()
        if getattr(error.orig, "sqlstate", None) == FOREIGN_KEY_VIOLATION:
            raise AccountGoneError("This account no longer exists.") from None
        raise

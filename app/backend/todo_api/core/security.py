"""Password hashing (argon2 through pwdlib) and JWT access tokens (PyJWT)."""

from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash

from todo_api.core.config import Settings

JWT_ALGORITHM = "HS256"
_password_hash = PasswordHash.recommended()


class InvalidTokenError(Exception):
    """The bearer token is missing, malformed, expired or signed with another key."""


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _password_hash.verify(password, password_hash)


def create_access_token(settings: Settings, user_id: int, expires_minutes: int | None = None) -> str:
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=expires_minutes or settings.jwt_expire_minutes)
    claims = {"sub": str(user_id), "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, settings.jwt_secret, algorithm=JWT_ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> int:
    """Return the user id the token was issued to."""
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[JWT_ALGORITHM], options={"require": ["sub", "exp"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError) as error:
        raise InvalidTokenError(str(error)) from error

"""Password hashing (argon2 through pwdlib) and JWT access tokens (PyJWT)."""

import time
from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash

from todo_api.core.config import Settings
from todo_api.models import ID_MAX

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


# Tokens whose signature and claims were checked, with their user id and expiry: a client sends the same token
# with every request, and checking it (base64, JSON, HMAC, claims) was about a tenth of a task list's CPU. The
# key is the whole token with the secret it was checked against, so no other string (a forged signature, a
# token of another secret) can match; the expiry is still checked on every use. Bounded: at most
# VERIFIED_TOKENS_MAX entries, the oldest dropped first (a flood of distinct valid tokens costs one check each).
VERIFIED_TOKENS_MAX = 4096
_verified: dict[tuple[str, str], tuple[int, float]] = {}


def decode_access_token(settings: Settings, token: str) -> int:
    """Return the user id the token was issued to."""
    key = (settings.jwt_secret, token)
    known = _verified.get(key)
    if known is not None:
        user_id, expires = known
        if time.time() < expires:
            return user_id
        _verified.pop(key, None)
        raise InvalidTokenError("Signature has expired")
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[JWT_ALGORITHM], options={"require": ["sub", "exp"]})
        user_id, expires = int(claims["sub"]), float(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise InvalidTokenError(str(error)) from error
    # Only a holder of the key can sign one, but a subject no account can have is a bad token (401), never
    # a number the database cannot even hold (it answered 500).
    if not 1 <= user_id <= ID_MAX:
        raise InvalidTokenError("the token's subject is not a user id")
    if len(_verified) >= VERIFIED_TOKENS_MAX:
        _verified.pop(next(iter(_verified)), None)
    _verified[key] = (user_id, expires)
    return user_id

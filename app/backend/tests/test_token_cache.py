"""Access tokens checked once and remembered (core/security.py): the same answers as checking every time."""

import time

import jwt
import pytest

from todo_api.core import security
from todo_api.core.config import Settings
from todo_api.core.security import InvalidTokenError, create_access_token, decode_access_token

SECRET = "token-cache-test-secret-0123456789abcdef"


def _settings(secret: str = SECRET) -> Settings:
    return Settings(database_url="sqlite://", jwt_secret=secret, app_env="development")


def _token(user_id: int, seconds: float, secret: str = SECRET) -> str:
    now = time.time()
    return jwt.encode({"sub": str(user_id), "iat": int(now), "exp": now + seconds}, secret, algorithm="HS256")


def test_a_remembered_token_still_expires():
    token = _token(7, 1.0)
    assert decode_access_token(_settings(), token) == 7
    assert decode_access_token(_settings(), token) == 7  # remembered
    assert (SECRET, token) in security._verified
    time.sleep(1.2)
    with pytest.raises(InvalidTokenError, match="expired"):
        decode_access_token(_settings(), token)
    with pytest.raises(InvalidTokenError):
        decode_access_token(_settings(), token)


def test_a_remembered_token_is_no_key_to_a_forged_or_foreign_one():
    token = create_access_token(_settings(), 8)
    assert decode_access_token(_settings(), token) == 8
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(InvalidTokenError):
        decode_access_token(_settings(), forged)
    # the same token is not valid for an app with another secret, remembered or not
    with pytest.raises(InvalidTokenError):
        decode_access_token(_settings("another-secret-0123456789abcdef0123456789"), token)
    other_user = _token(9, 60, secret="another-secret-0123456789abcdef0123456789")
    with pytest.raises(InvalidTokenError):
        decode_access_token(_settings(), other_user)


def test_the_memory_of_tokens_is_bounded(monkeypatch):
    monkeypatch.setattr(security, "VERIFIED_TOKENS_MAX", 50)
    monkeypatch.setattr(security, "_verified", {})
    tokens = [_token(user_id, 60) for user_id in range(1, 121)]
    assert [decode_access_token(_settings(), token) for token in tokens] == list(range(1, 121))
    assert len(security._verified) == 50
    # the oldest were dropped, and are checked again (and remembered again) when they come back
    assert (SECRET, tokens[0]) not in security._verified
    assert decode_access_token(_settings(), tokens[0]) == 1
    assert len(security._verified) == 50

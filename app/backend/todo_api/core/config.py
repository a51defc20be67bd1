"""Application settings, read from environment variables (see app/backend/README.md)."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A development-only secret: production refuses to start with it (see _refuse_insecure_production).
DEFAULT_JWT_SECRET = "dev-insecure-jwt-secret-change-me"  # noqa: S105  (public on purpose: only ever a dev default)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    app_env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///./todo.db"
    jwt_secret: str = DEFAULT_JWT_SECRET
    jwt_expire_minutes: int = Field(default=60 * 24, ge=1)
    log_level: str = "INFO"
    # Comma-separated origins; empty means CORS stays off (the SPA is served from the same origin).
    cors_origins: str = ""
    static_dir: str | None = None

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    # Where the LLM agent reaches this app's own MCP endpoint (same process, so loopback by default).
    mcp_server_url: str = "http://127.0.0.1:8000/mcp"
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    # One deadline for a whole chat turn with the LLM (every model call and tool call in it); when it
    # passes, the built-in engine answers instead.
    chat_turn_timeout_seconds: float = Field(default=90.0, gt=0, le=600)

    # A fixed pool: connections are opened once and kept. With overflow, every burst above the pool size
    # opened and closed connections per request (about 6 ms of CPU each); beyond the pool, requests now
    # wait up to db_pool_timeout for a connection instead. Replicas x workers x (db_pool_size +
    # db_fast_pool_size), 20 by default, must fit PostgreSQL's max_connections (100 by default).
    db_pool_size: int = Field(default=16, ge=1)
    # The task list's own connections on PostgreSQL (db_fast.py); 0 sends it through the pool above.
    db_fast_pool_size: int = Field(default=4, ge=0, le=100)
    db_max_overflow: int = Field(default=0, ge=0)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    # The most a request waits for a new connection (name lookup, TCP, TLS, login), both pools. After a connect
    # fails, requests are answered 503 at once for a second instead of each waiting this long (db_connect.py).
    db_connect_timeout: float = Field(default=2.0, gt=0, le=60)
    # How long `python -m todo_api.migrate` waits for the database to accept connections (it starts with
    # the database, e.g. in the same Helm release) before it gives up.
    db_wait_seconds: float = Field(default=120.0, ge=0, le=3600)
    # How many earlier messages of a conversation the agent sees.
    chat_history_limit: int = Field(default=20, ge=0)

    # Abuse limits. A request body larger than this is refused with 413 before it is read.
    max_request_bytes: int = Field(default=65536, ge=1024, le=16 * 1024 * 1024)
    # Failed logins: after this many within login_window_seconds, further logins for the same account
    # (or from the same client address) get 429 with Retry-After until the window has passed. Counted
    # in memory per worker process: with N workers an attacker gets at most N times the limit.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_client: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    # Password hashes computed at once per worker (argon2 takes about 64 MB and 50 ms of CPU each).
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)

    @field_validator("log_level")
    @classmethod
    def _upper_log_level(cls, value: str) -> str:
        return value.upper()

    @field_validator("openai_api_key", "openai_base_url", "static_dir")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> "Settings":
        if self.app_env == "production" and self.jwt_secret in ("", DEFAULT_JWT_SECRET):
            raise ValueError(
                "APP_ENV=production requires JWT_SECRET to be set to a strong secret "
                "(it is missing or still the default)"
            )
        return self

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None


@lru_cache
def get_settings() -> Settings:
    return Settings()

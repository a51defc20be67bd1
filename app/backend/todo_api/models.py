"""Database tables (SQLModel) and the request/response schemas of the API."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictBool, StringConstraints, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
MESSAGE_MAX = 4000
EMAIL_MAX = 320
# Ids are PostgreSQL INTEGER columns: a larger number can name no row, and the database refuses it.
ID_MAX = 2_147_483_647
Id = Annotated[int, PydanticField(ge=1, le=ID_MAX)]


def valid_id(value: int) -> bool:
    return 1 <= value <= ID_MAX


def _as_utc(value: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; every one of ours is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp_column() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(EMAIL_MAX), nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(String(255), nullable=False))
    # The number the user's latest task got: each user's tasks are numbered 1, 2, 3... (never reused).
    last_task_number: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp_column())


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_user_id_id", "user_id", "id"),
        UniqueConstraint("user_id", "number", name="uq_tasks_user_id_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    # The task's number among its user's tasks (1 for their first): what the user sees and says ("task 3").
    number: int = Field(sa_column=Column(Integer, nullable=False))
    title: str = Field(sa_column=Column(String(TITLE_MAX), nullable=False))
    description: str = Field(default="", sa_column=Column(String(DESCRIPTION_MAX), nullable=False, default=""))
    completed: bool = Field(default=False, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp_column())


class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_user_id_id", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp_column())


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False))
    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    )
    role: str = Field(sa_column=Column(String(16), nullable=False))
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp_column())


# ---- API schemas: requests reject unknown fields so typos in a client surface as 422s.


class StrictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Text rules, written once as regular expressions that mean the same in the server's validator (Rust's
# regex in pydantic-core, and Python's re in the services) and in the OpenAPI schema's clients
# (ECMAScript). "\s" alone differs between them (U+0085, U+FEFF), so those are named explicitly.
# Control characters: C0 and C1, except tab, line feed and carriage return (PostgreSQL refuses NUL).
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_NO_CONTROL = rf"[^{_CONTROL}]*"
# A character someone can see: no white space, control, zero-width or direction mark.
_VISIBLE = rf"[^\s\x85\uFEFF{_CONTROL}\t\n\r\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064]"
TEXT_PATTERN = rf"^{_NO_CONTROL}$"
VISIBLE_TEXT_PATTERN = rf"^{_NO_CONTROL}{_VISIBLE}{_NO_CONTROL}$"
# No "@", white space or control character in each part.
_PART = rf"[^@\s\x85\uFEFF{_CONTROL}]+"
EMAIL_PATTERN = rf"^{_PART}@{_PART}\.{_PART}$"


class AccountDeletion(StrictRequest):
    """The password again: a stolen token alone cannot delete an account."""

    password: Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=128)]


class Credentials(StrictRequest):
    email: str = PydanticField(min_length=3, max_length=EMAIL_MAX, pattern=EMAIL_PATTERN)
    # Exactly as typed (NIST SP 800-63B): spaces are part of a password, never stripped.
    password: Annotated[str, StringConstraints(strip_whitespace=False, min_length=8, max_length=128)]

    @field_validator("email")
    @classmethod
    def _lowercase_email(cls, value: str) -> str:
        return value.lower()


class UserPublic(BaseModel):
    id: int
    email: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (the OAuth token type, not a secret)
    user: UserPublic


class TaskCreate(StrictRequest):
    title: str = PydanticField(min_length=1, max_length=TITLE_MAX, pattern=VISIBLE_TEXT_PATTERN)
    description: str = PydanticField(default="", max_length=DESCRIPTION_MAX, pattern=TEXT_PATTERN)


class TaskUpdate(StrictRequest):
    title: str | None = PydanticField(default=None, min_length=1, max_length=TITLE_MAX, pattern=VISIBLE_TEXT_PATTERN)
    description: str | None = PydanticField(default=None, max_length=DESCRIPTION_MAX, pattern=TEXT_PATTERN)
    # true or false only: not 0, 1, "yes" or "on", which a lax bool would take
    completed: StrictBool | None = None


class TaskCompletion(StrictRequest):
    completed: StrictBool | None = PydanticField(
        default=None, description="true marks the task done, false not done; left out, the state is flipped."
    )


class TaskPublic(BaseModel):
    id: int = PydanticField(description="The task's id in the API's paths (unique across users).")
    number: int = PydanticField(
        description="The task's number among its user's tasks, from 1: what the user sees and says (“task 3”), "
        "and the task_id of the MCP tools and the chat. Never reused after a delete."
    )
    user_id: int
    title: str
    description: str
    completed: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


TaskStatusFilter = Literal["all", "pending", "completed"]


class ChatRequest(StrictRequest):
    conversation_id: Id | None = None
    message: str = PydanticField(min_length=1, max_length=MESSAGE_MAX, pattern=VISIBLE_TEXT_PATTERN)


class ToolCallRecord(BaseModel):
    name: str
    arguments: dict
    result: dict | list | str | None


class ChatResponse(BaseModel):
    conversation_id: int
    response: str
    tool_calls: list[ToolCallRecord]


class MessagePublic(BaseModel):
    id: int
    role: str
    content: str
    created_at: UtcDatetime


class ConversationPublic(BaseModel):
    id: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    messages: list[MessagePublic]


class ErrorResponse(BaseModel):
    """The body of every 4xx answer: a message, or for 422 the list of what was wrong where."""

    detail: str | list[dict]

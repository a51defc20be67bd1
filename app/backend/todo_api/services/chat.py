"""Stateless chat: every request loads the conversation from the database and stores both messages."""

from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api import agent
from todo_api.agent.base import AgentReply, HistoryMessage
from todo_api.core.config import Settings
from todo_api.models import Conversation, Message, utcnow, valid_id
from todo_api.services.errors import NotFoundError, rows_of_user

if TYPE_CHECKING:
    from todo_api.db_fast import FastPool


async def get_conversation(session: AsyncSession, user_id: int, conversation_id: int) -> Conversation:
    if not valid_id(conversation_id):
        raise NotFoundError(f"Conversation {conversation_id} was not found.")
    result = await session.exec(
        select(Conversation).where(Conversation.id == conversation_id, Conversation.user_id == user_id)
    )
    conversation = result.first()
    if conversation is None:
        raise NotFoundError(f"Conversation {conversation_id} was not found.")
    return conversation


# The most messages one conversation shows (its latest): a conversation grows by two messages a turn without
# end, and a page of conversations must stay bounded in size and work.
CONVERSATION_MESSAGES_MAX = 200


async def list_messages(session: AsyncSession, conversation_ids: list[int]) -> dict[int, list[Message]]:
    """The latest CONVERSATION_MESSAGES_MAX messages of each conversation, oldest first."""
    grouped: dict[int, list[Message]] = {conversation_id: [] for conversation_id in conversation_ids}
    if not conversation_ids:
        return grouped
    newest_first = (
        func.row_number()
        .over(partition_by=col(Message.conversation_id), order_by=col(Message.id).desc())
        .label("newest_first")
    )
    latest = (
        select(col(Message.id).label("id"), newest_first)
        .where(col(Message.conversation_id).in_(conversation_ids))
        .subquery()
    )
    result = await session.exec(
        select(Message)
        .join(latest, latest.c.id == col(Message.id))
        .where(latest.c.newest_first <= CONVERSATION_MESSAGES_MAX)
        .order_by(col(Message.id))
    )
    for message in result.all():
        grouped[message.conversation_id].append(message)
    return grouped


CONVERSATION_PAGE_DEFAULT = 20
CONVERSATION_PAGE_MAX = 100


async def list_conversations(
    session: AsyncSession, user_id: int, *, limit: int = CONVERSATION_PAGE_DEFAULT, before: int | None = None
) -> tuple[list[tuple[Conversation, list[Message]]], int | None]:
    """One page of the user's conversations, newest first, and the `before` cursor of the next page."""
    query = select(Conversation).where(Conversation.user_id == user_id)
    if before is not None:
        query = query.where(col(Conversation.id) < before)
    result = await session.exec(query.order_by(col(Conversation.id).desc()).limit(limit + 1))
    conversations = list(result.all())
    next_before = conversations[limit - 1].id if len(conversations) > limit else None
    conversations = conversations[:limit]
    messages = await list_messages(session, [conversation.id for conversation in conversations])
    return [(conversation, messages[conversation.id]) for conversation in conversations], next_before


async def recent_history(session: AsyncSession, conversation_id: int, limit: int) -> list[HistoryMessage]:
    if limit == 0:
        return []
    result = await session.exec(
        select(Message).where(Message.conversation_id == conversation_id).order_by(col(Message.id).desc()).limit(limit)
    )
    return [HistoryMessage(role=m.role, content=m.content) for m in reversed(result.all())]


async def chat(
    settings: Settings,
    session: AsyncSession,
    user_id: int,
    conversation_id: int | None,
    message: str,
    *,
    fast_pool: "FastPool | None" = None,
) -> tuple[int, AgentReply]:
    """One chat turn. With `fast_pool` (PostgreSQL), `session` may be in autocommit (every task tool is one
    statement) and the turn is stored in one statement; without it, in one ORM transaction."""
    conversation: Conversation | None = None
    history: list[HistoryMessage] = []
    if conversation_id is not None:
        conversation = await get_conversation(session, user_id, conversation_id)
        history = await recent_history(session, conversation.id, settings.chat_history_limit)
    # End the read: no connection is held while the agent thinks (an LLM may take a while).
    await session.commit()
    reply = await agent.respond(settings, session, user_id, message, history, fast_pool=fast_pool)
    # The turn is stored whole, in one transaction, once there is an answer: a failure before this
    # point leaves no half turn behind (the tasks a tool changed are committed by the tool itself).
    if fast_pool is not None:
        stored = await fast_pool.store_turn(user_id, conversation_id, message, reply.response, utcnow())
        if stored is None:
            raise NotFoundError(f"Conversation {conversation_id} was not found.")
        return stored, reply
    async with rows_of_user(session):
        if conversation is None:
            conversation = Conversation(user_id=user_id)
            session.add(conversation)
            await session.flush()
        now = utcnow()
        for role, content in (("user", message), ("assistant", reply.response)):
            turn = Message(user_id=user_id, conversation_id=conversation.id, role=role, content=content, created_at=now)
            session.add(turn)
        conversation.updated_at = now
        session.add(conversation)
        await session.commit()
    return conversation.id, reply

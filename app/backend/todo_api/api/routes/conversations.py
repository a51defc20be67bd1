from typing import Annotated

from fastapi import APIRouter, Path

from todo_api.api.deps import OwnerId, SessionDep
from todo_api.models import ID_MAX, Conversation, ConversationPublic, Message, MessagePublic
from todo_api.services import chat as chat_service

router = APIRouter(prefix="/api/{user_id}/conversations", tags=["chat"])


def _public(conversation: Conversation, messages: list[Message]) -> ConversationPublic:
    return ConversationPublic(
        id=conversation.id,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        messages=[MessagePublic.model_validate(m, from_attributes=True) for m in messages],
    )


@router.get("", response_model=list[ConversationPublic])
async def list_conversations(owner_id: OwnerId, session: SessionDep) -> list[ConversationPublic]:
    return [_public(c, messages) for c, messages in await chat_service.list_conversations(session, owner_id)]


@router.get("/{conversation_id}", response_model=ConversationPublic)
async def get_conversation(
    conversation_id: Annotated[int, Path(ge=1, le=ID_MAX)], owner_id: OwnerId, session: SessionDep
) -> ConversationPublic:
    conversation = await chat_service.get_conversation(session, owner_id, conversation_id)
    messages = await chat_service.list_messages(session, [conversation.id])
    return _public(conversation, messages[conversation.id])

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

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


@router.get(
    "",
    response_model=list[ConversationPublic],
    responses={
        200: {
            "description": "One page of conversations, newest first. When there are more, the `Link` header "
            '(rel="next") and `X-Next-Before` give the next page\'s `before`.',
            "headers": {
                "X-Next-Before": {"description": "The `before` of the next page.", "schema": {"type": "integer"}},
                "Link": {"description": 'RFC 8288 link to the next page (rel="next").', "schema": {"type": "string"}},
            },
        }
    },
)
async def list_conversations(
    request: Request,
    response: Response,
    owner_id: OwnerId,
    session: SessionDep,
    *,
    limit: Annotated[int, Query(ge=1, le=chat_service.CONVERSATION_PAGE_MAX)] = chat_service.CONVERSATION_PAGE_DEFAULT,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX, description="Only conversations with a smaller id")] = None,
) -> list[ConversationPublic]:
    page, next_before = await chat_service.list_conversations(session, owner_id, limit=limit, before=before)
    if next_before is not None:
        response.headers["X-Next-Before"] = str(next_before)
        query = urlencode({"limit": limit, "before": next_before})
        response.headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
    return [_public(c, messages) for c, messages in page]


@router.get("/{conversation_id}", response_model=ConversationPublic)
async def get_conversation(
    conversation_id: Annotated[int, Path(ge=1, le=ID_MAX)], owner_id: OwnerId, session: SessionDep
) -> ConversationPublic:
    conversation = await chat_service.get_conversation(session, owner_id, conversation_id)
    messages = await chat_service.list_messages(session, [conversation.id])
    return _public(conversation, messages[conversation.id])

from fastapi import APIRouter

from todo_api.api.deps import OwnerId, SessionDep, SettingsDep
from todo_api.models import ChatRequest, ChatResponse, ToolCallRecord
from todo_api.services import chat as chat_service

router = APIRouter(prefix="/api/{user_id}/chat", tags=["chat"])


@router.post("", response_model=ChatResponse)
async def chat(body: ChatRequest, owner_id: OwnerId, session: SessionDep, settings: SettingsDep) -> ChatResponse:
    conversation_id, response, tool_calls = await chat_service.chat(
        settings, session, owner_id, body.conversation_id, body.message
    )
    return ChatResponse(
        conversation_id=conversation_id,
        response=response,
        tool_calls=[ToolCallRecord(name=c.name, arguments=c.arguments, result=c.result) for c in tool_calls],
    )

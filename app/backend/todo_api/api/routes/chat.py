from fastapi import APIRouter, Request

from todo_api.api.deps import OwnerId, SettingsDep, chat_session
from todo_api.models import ChatRequest, ChatResponse, ToolCallRecord
from todo_api.services import chat as chat_service

router = APIRouter(prefix="/api/{user_id}/chat", tags=["chat"])


@router.post("", response_model=ChatResponse)
async def chat(body: ChatRequest, request: Request, owner_id: OwnerId, settings: SettingsDep) -> ChatResponse:
    fast_pool = request.app.state.fast_pool
    async with chat_session(request) as session:
        conversation_id, reply = await chat_service.chat(
            settings, session, owner_id, body.conversation_id, body.message, fast_pool=fast_pool
        )
    metrics = request.app.state.metrics
    metrics.chat_turns.labels(reply.engine).inc()
    for call in reply.tool_calls:
        metrics.tool_calls.labels(call.name, "chat").inc()
    return ChatResponse(
        conversation_id=conversation_id,
        response=reply.response,
        tool_calls=[ToolCallRecord(name=c.name, arguments=c.arguments, result=c.result) for c in reply.tool_calls],
    )

"""The chat agent: one interface, two engines (offline rules, or an LLM when OPENAI_API_KEY is set).

The LLM engine (the OpenAI Agents SDK, about two thirds of the app's import time) is imported only when an
API key is set, so a pod without one starts that much sooner; with a key, start-up imports it in the
background (warm_up_llm) instead of before the first answer.
"""

import asyncio
import importlib
import logging
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.agent.base import AgentReply, ChatEngine, HistoryMessage
from todo_api.agent.offline import OfflineEngine
from todo_api.core.config import Settings

if TYPE_CHECKING:
    from todo_api.db_fast import FastPool

logger = logging.getLogger(__name__)
LLM_MODULE = "todo_api.agent.llm"


def warm_up_llm(settings: Settings) -> "asyncio.Future[object] | None":
    """Import the LLM engine in a worker thread when it will be used, so readiness does not wait for it."""
    if not settings.llm_enabled:
        return None
    return asyncio.ensure_future(asyncio.to_thread(importlib.import_module, LLM_MODULE))


async def respond(
    settings: Settings,
    session: AsyncSession,
    user_id: int,
    message: str,
    history: list[HistoryMessage],
    *,
    fast_pool: "FastPool | None" = None,
) -> AgentReply:
    """Answer one chat message; an LLM failure falls back to the offline engine and says so."""
    offline: ChatEngine = OfflineEngine(session, user_id, fast_pool)
    if not settings.llm_enabled:
        return await offline.respond(message, history)
    from todo_api.agent.llm import LlmEngine, ToolCallRecorder  # lazy: see the module docstring

    recorder = ToolCallRecorder()
    llm: ChatEngine = LlmEngine(settings, user_id, recorder)
    try:
        reply = await llm.respond(message, history)
        reply.engine = "llm"
        return reply
    except Exception as error:  # any model/network/protocol failure or the turn's deadline must not lose the request
        logger.warning("LLM engine failed, falling back to the offline engine", extra={"error": repr(error)})
        if any(call.name != "list_tasks" for call in recorder.calls):
            # The model already changed tasks before failing: report that instead of doing it twice.
            done = ", ".join(f"{call.name}({call.arguments})" for call in recorder.calls)
            return AgentReply(
                response=f"The AI assistant stopped with an error after running: {done}. Those changes are saved.",
                tool_calls=recorder.calls,
                engine="llm_fallback",
            )
        fallback = await offline.respond(message, history)
        fallback.engine = "llm_fallback"
        fallback.response = "The AI assistant is unavailable right now, so the built-in assistant answered. " + (
            fallback.response
        )
        return fallback

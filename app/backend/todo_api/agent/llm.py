"""The LLM chat engine: the OpenAI Agents SDK drives this app's own MCP tools over HTTP.

Any OpenAI-compatible chat-completions server works (OpenAI, Gemini's compatible endpoint, Ollama):
set OPENAI_API_KEY, optionally OPENAI_BASE_URL and OPENAI_MODEL. The agent reaches the tools through
MCP with a short-lived token of the chatting user, so the model can never act for anybody else.
"""

import asyncio
import json
from typing import Any

from agents import Agent, RunContextWrapper, RunHooks, Runner, set_tracing_disabled
from agents.mcp import MCPServerStreamableHttp
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from agents.tool import Tool
from agents.tool_context import ToolContext
from openai import AsyncOpenAI

from todo_api.agent.base import AgentReply, HistoryMessage, ToolCall
from todo_api.core.config import Settings
from todo_api.core.security import create_access_token

# Traces would be uploaded to OpenAI's servers; a self-hosted todo app has no business doing that.
set_tracing_disabled(True)

INSTRUCTIONS = """You are a friendly assistant that manages the user's todo list.
Use the tools for every change or lookup: add_task, list_tasks, complete_task, delete_task, update_task.
Tasks are numbered per user from 1: "task 3" is the user's task number 3, and that number is the task_id
every tool takes and the id list_tasks shows. Show tasks to the user as "#3 Buy milk".
When the user names a task by words instead of a number, call list_tasks first to find its number.
list_tasks returns at most 50 tasks per call; when it returns 50, call it again with after set to the last id
if you need the rest, and tell the user when you only looked at part of a long list.
If several tasks match, ask which one they mean. If none matches, say so kindly.
After acting, confirm briefly what you did. Keep replies short."""

MAX_AGENT_TURNS = 8


def _parse_tool_output(output: Any) -> Any:
    text = output if isinstance(output, str) else getattr(output, "text", output)
    if isinstance(text, str):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        # MCP wraps a list result as {"result": [...]}; show the list itself, as the contract does.
        if isinstance(parsed, dict) and set(parsed) == {"result"}:
            return parsed["result"]
        if isinstance(parsed, dict) and parsed.get("type") == "text" and "text" in parsed:
            return _parse_tool_output(parsed["text"])
        return parsed
    return str(text)


class ToolCallRecorder(RunHooks):
    """Collects the tools the model ran, even when the run fails half-way."""

    def __init__(self) -> None:
        self.calls: list[ToolCall] = []

    async def on_tool_end(self, context: RunContextWrapper, agent: Agent, tool: Tool, result: object) -> None:
        arguments: dict[str, Any] = {}
        if isinstance(context, ToolContext):
            try:
                arguments = json.loads(context.tool_arguments or "{}")
            except ValueError:
                arguments = {"raw": context.tool_arguments}
        self.calls.append(ToolCall(name=tool.name, arguments=arguments, result=_parse_tool_output(result)))


class LlmEngine:
    def __init__(self, settings: Settings, user_id: int, recorder: ToolCallRecorder | None = None) -> None:
        self.settings = settings
        self.user_id = user_id
        self.recorder = recorder or ToolCallRecorder()

    async def respond(self, message: str, history: list[HistoryMessage]) -> AgentReply:
        settings = self.settings
        client = AsyncOpenAI(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout_seconds,
            max_retries=1,
        )
        token = create_access_token(settings, self.user_id, expires_minutes=10)
        mcp_server = MCPServerStreamableHttp(
            name="todo-tasks",
            params={"url": settings.mcp_server_url, "headers": {"Authorization": f"Bearer {token}"}, "timeout": 30},
            cache_tools_list=True,
            # The model and the chat reply get the contract's JSON shapes rather than per-item text blocks.
            use_structured_content=True,
            client_session_timeout_seconds=30,
        )
        async with mcp_server:
            agent = Agent(
                name="Todo assistant",
                instructions=INSTRUCTIONS,
                model=OpenAIChatCompletionsModel(model=settings.openai_model, openai_client=client),
                mcp_servers=[mcp_server],
            )
            conversation = [{"role": item.role, "content": item.content} for item in history]
            conversation.append({"role": "user", "content": message})
            async with asyncio.timeout(settings.chat_turn_timeout_seconds):
                result = await Runner.run(agent, conversation, hooks=self.recorder, max_turns=MAX_AGENT_TURNS)
        return AgentReply(response=str(result.final_output or "Done."), tool_calls=list(self.recorder.calls))

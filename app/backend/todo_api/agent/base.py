"""What every chat engine takes and returns."""

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    result: Any


@dataclass
class HistoryMessage:
    role: str  # "user" or "assistant"
    content: str


@dataclass
class AgentReply:
    response: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    # which engine answered: "offline", "llm", or "llm_fallback" (the offline one after an LLM failure)
    engine: str = "offline"


class ChatEngine(Protocol):
    async def respond(self, message: str, history: list[HistoryMessage]) -> AgentReply: ...

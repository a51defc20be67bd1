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


class ChatEngine(Protocol):
    async def respond(self, message: str, history: list[HistoryMessage]) -> AgentReply: ...

import type { Conversation, ToolCall } from "./api";

export interface DisplayMessage {
  key: string;
  role: "user" | "assistant";
  content: string;
  /** Only known for replies received in this page; stored history keeps the text alone. */
  toolCalls?: ToolCall[];
}

const SUMMARY_MAX_LENGTH = 80;

function shortValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The arguments as a person reads them, e.g. `(title: "Buy milk")`. */
export function summarizeArguments(call: ToolCall): string {
  // Optional arguments the model left out come back as null; they tell a person nothing.
  const args = call.arguments && typeof call.arguments === "object" ? Object.entries(call.arguments) : [];
  const given = args.filter(([, value]) => value !== null && value !== undefined);
  const inside = given.map(([name, value]) => `${name}: ${shortValue(value)}`).join(", ");
  const summary = `(${inside})`;
  return summary.length > SUMMARY_MAX_LENGTH ? `${summary.slice(0, SUMMARY_MAX_LENGTH - 2)}…)` : summary;
}

export function formatToolResult(result: unknown): string {
  if (typeof result === "string") return result;
  return JSON.stringify(result, null, 2) ?? String(result);
}

export function messagesOf(conversation: Conversation): DisplayMessage[] {
  return [...conversation.messages]
    .sort((a, b) => (a.created_at === b.created_at ? a.id - b.id : a.created_at < b.created_at ? -1 : 1))
    .map((message) => ({ key: `stored-${message.id}`, role: message.role, content: message.content }));
}

import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { ApiError, MESSAGE_MAX_LENGTH, latestConversation, type ToolCall, type TodoApi } from "../api";
import { formatToolResult, messagesOf, summarizeArguments, type DisplayMessage } from "../chat";

interface ChatPanelProps {
  api: TodoApi;
  /** Called after a reply whose tools may have changed the task list. */
  onToolsRan: () => void;
}

function ToolCalls({ calls }: { calls: ToolCall[] }) {
  return (
    <div className="tool-calls">
      <span className="tool-calls-label">Tools used:</span>
      <ul aria-label="Tools used">
        {calls.map((call, index) => (
          <li key={index}>
            <details>
              <summary>
                <code className="tool-name">{call.name}</code>
                <span className="tool-summary">{summarizeArguments(call)}</span>
              </summary>
              <pre className="tool-result">{formatToolResult(call.result)}</pre>
            </details>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ChatPanel({ api, onToolsRan }: ChatPanelProps) {
  const [messages, setMessages] = useState<DisplayMessage[]>([]);
  const [conversationId, setConversationId] = useState<number | undefined>(undefined);
  const [draft, setDraft] = useState("");
  const [sending, setSending] = useState(false);
  const [loadingHistory, setLoadingHistory] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const nextKey = useRef(0);
  const ids = useId();

  // Resume the latest conversation: the server keeps the history, so a reload
  // (or another device) continues where the person left off.
  useEffect(() => {
    let cancelled = false;
    api
      .listConversations()
      .then((conversations) => {
        if (cancelled) return;
        const latest = latestConversation(conversations);
        if (latest) {
          setConversationId(latest.id);
          setMessages(messagesOf(latest));
        }
      })
      .catch((caught: unknown) => {
        if (!cancelled) {
          setError(
            caught instanceof ApiError
              ? `Couldn't load your earlier chat: ${caught.message}`
              : "Couldn't load your earlier chat.",
          );
        }
      })
      .finally(() => {
        if (!cancelled) setLoadingHistory(false);
      });
    return () => {
      cancelled = true;
    };
  }, [api]);

  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [messages, sending]);

  function localKey(): string {
    nextKey.current += 1;
    return `local-${nextKey.current}`;
  }

  async function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = draft.trim();
    if (!text || sending) return;
    const userMessage: DisplayMessage = { key: localKey(), role: "user", content: text };
    setMessages((current) => [...current, userMessage]);
    setDraft("");
    setError(null);
    setSending(true);
    try {
      const reply = await api.sendChat(text, conversationId);
      setConversationId(reply.conversation_id);
      setMessages((current) => [
        ...current,
        { key: localKey(), role: "assistant", content: reply.response, toolCalls: reply.tool_calls ?? [] },
      ]);
      if ((reply.tool_calls ?? []).length > 0) onToolsRan();
    } catch (caught) {
      // Give the text back so nothing typed is lost, and drop the unsent bubble.
      setMessages((current) => current.filter((message) => message.key !== userMessage.key));
      setDraft(text);
      setError(caught instanceof ApiError ? caught.message : "The message could not be sent. Please try again.");
    } finally {
      setSending(false);
    }
  }

  function startNewConversation() {
    setConversationId(undefined);
    setMessages([]);
    setError(null);
  }

  return (
    <section className="card chat-panel" aria-labelledby={`${ids}-heading`}>
      <div className="chat-header">
        <h2 id={`${ids}-heading`}>Assistant</h2>
        <button
          type="button"
          className="button small secondary"
          onClick={startNewConversation}
          disabled={sending || messages.length === 0}
        >
          New conversation
        </button>
      </div>

      <div ref={logRef} className="chat-log" role="log" aria-live="polite" aria-label="Chat history">
        {loadingHistory && <p className="muted">Loading your conversation…</p>}
        {!loadingHistory && messages.length === 0 && (
          <p className="muted">
            Try “Add a task to buy groceries”, “What’s pending?” or “Mark task 1 as complete”.
          </p>
        )}
        {messages.map((message) => (
          <div key={message.key} className={`message ${message.role}`}>
            <span className="visually-hidden">{message.role === "user" ? "You said:" : "Assistant replied:"}</span>
            <p className="message-text">{message.content}</p>
            {message.toolCalls && message.toolCalls.length > 0 && <ToolCalls calls={message.toolCalls} />}
          </div>
        ))}
      </div>
      {sending && (
        <p className="muted typing" role="status">
          The assistant is thinking…
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      <form className="chat-form" onSubmit={send}>
        <label htmlFor={`${ids}-message`}>Message</label>
        <div className="chat-input-row">
          <input
            id={`${ids}-message`}
            type="text"
            autoComplete="off"
            maxLength={MESSAGE_MAX_LENGTH}
            placeholder="Tell the assistant what to do"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
          />
          <button type="submit" className="button primary" disabled={sending || draft.trim() === ""}>
            Send
          </button>
        </div>
      </form>
    </section>
  );
}

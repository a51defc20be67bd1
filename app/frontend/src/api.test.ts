import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  apiRequest,
  createTodoApi,
  describeError,
  latestConversation,
  logIn,
  NETWORK_ERROR_STATUS,
  signUp,
  type Conversation,
} from "./api";
import { messagesOf, summarizeArguments } from "./chat";
import { clearSession, loadSession, saveSession } from "./session";

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("describeError", () => {
  it("names the fields of a FastAPI validation error without the body prefix", () => {
    const message = describeError(422, {
      detail: [{ loc: ["body", "title"], msg: "String should have at most 200 characters", type: "string_too_long" }],
    });
    expect(message).toBe("Please check your input (title: String should have at most 200 characters).");
  });

  it("shows a server's own explanation for a client error", () => {
    expect(describeError(404, { detail: "Task not found" })).toBe("Task not found");
  });

  it("never shows a server error body", () => {
    expect(describeError(500, { detail: "Traceback (most recent call last): ..." })).toBe(
      "The server had a problem. Please try again in a moment.",
    );
  });

  it("explains a failed connection", () => {
    expect(describeError(NETWORK_ERROR_STATUS, null)).toMatch(/can't reach the server/i);
  });
});

describe("apiRequest", () => {
  it("calls a relative URL with the bearer token and a JSON body", async () => {
    const fetchMock = vi.fn(async () => jsonResponse(201, { id: 1 }));
    vi.stubGlobal("fetch", fetchMock);
    await apiRequest("/api/7/tasks", { method: "POST", body: { title: "Buy milk" }, token: "abc" });
    expect(fetchMock).toHaveBeenCalledWith("/api/7/tasks", {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json", Authorization: "Bearer abc" },
      body: JSON.stringify({ title: "Buy milk" }),
    });
  });

  it("accepts an empty 204 response", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 204 })));
    await expect(apiRequest("/api/7/tasks/1", { method: "DELETE" })).resolves.toBeNull();
  });

  it("turns a network failure into a friendly ApiError", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    await expect(apiRequest("/api/auth/me")).rejects.toMatchObject({ status: NETWORK_ERROR_STATUS });
  });
});

describe("auth", () => {
  it("maps a 409 on sign-up to a hint to log in", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse(409, { detail: "Email already registered" })));
    await expect(signUp("a@example.com", "secret123")).rejects.toThrow("An account with this email already exists");
  });

  it("maps a 401 on login to a plain sentence", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse(401, { detail: "Invalid credentials" })));
    await expect(logIn("a@example.com", "nope")).rejects.toThrow("Wrong email or password.");
  });

  it("returns the token and user of a successful login", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        jsonResponse(200, { access_token: "t0k", token_type: "bearer", user: { id: 3, email: "a@example.com" } }),
      ),
    );
    await expect(logIn("a@example.com", "secret123")).resolves.toEqual({
      token: "t0k",
      user: { id: 3, email: "a@example.com" },
    });
  });
});

describe("createTodoApi", () => {
  it("puts the user's id in every path and reports a rejected token", async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => jsonResponse(401, { detail: "expired" }));
    vi.stubGlobal("fetch", fetchMock);
    const onUnauthorized = vi.fn();
    const api = createTodoApi({ token: "t", user: { id: 42, email: "a@example.com" } }, onUnauthorized);
    await expect(api.listTasks("pending")).rejects.toBeInstanceOf(ApiError);
    expect(fetchMock.mock.calls[0][0]).toBe("/api/42/tasks?status=pending");
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("reads the next page's cursor of the task list from its header", async () => {
    const task = { id: 9, number: 1, user_id: 1, title: "t", description: "", completed: false, created_at: "", updated_at: "" };
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      new Response(JSON.stringify([task]), { status: 200, headers: { "X-Next-After": "9" } }),
    );
    vi.stubGlobal("fetch", fetchMock);
    const api = createTodoApi({ token: "t", user: { id: 1, email: "a@example.com" } }, () => {});
    await expect(api.listTasks("all")).resolves.toEqual({ tasks: [task], nextAfter: 9 });
    fetchMock.mockImplementationOnce(async () => new Response("[]", { status: 200 }));
    await expect(api.listTasks("all", 9)).resolves.toEqual({ tasks: [], nextAfter: null });
    expect(fetchMock.mock.calls[1][0]).toBe("/api/1/tasks?status=all&after=9");
  });

  it("sends conversation_id only when resuming a conversation", async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      jsonResponse(200, { conversation_id: 5, response: "ok", tool_calls: [] }),
    );
    vi.stubGlobal("fetch", fetchMock);
    const api = createTodoApi({ token: "t", user: { id: 1, email: "a@example.com" } }, () => {});
    await api.sendChat("hello");
    await api.sendChat("again", 5);
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toEqual({ message: "hello" });
    expect(JSON.parse(String(fetchMock.mock.calls[1][1]?.body))).toEqual({ conversation_id: 5, message: "again" });
  });
});

describe("conversation history", () => {
  const conversations: Conversation[] = [
    { id: 1, created_at: "2026-01-01T10:00:00", updated_at: "2026-01-02T10:00:00", messages: [] },
    {
      id: 2,
      created_at: "2026-01-01T11:00:00",
      updated_at: "2026-01-03T09:00:00",
      messages: [
        { id: 11, role: "assistant", content: "Added", created_at: "2026-01-03T09:00:00" },
        { id: 10, role: "user", content: "Add milk", created_at: "2026-01-03T09:00:00" },
      ],
    },
  ];

  it("resumes the conversation that changed last", () => {
    expect(latestConversation(conversations)?.id).toBe(2);
    expect(latestConversation([])).toBeUndefined();
  });

  it("shows stored messages oldest first", () => {
    expect(messagesOf(conversations[1]).map((message) => message.content)).toEqual(["Add milk", "Added"]);
  });
});

describe("summarizeArguments", () => {
  it("lists arguments readably and shortens long ones", () => {
    expect(summarizeArguments({ name: "add_task", arguments: { title: "Buy milk" }, result: {} })).toBe(
      '(title: "Buy milk")',
    );
    expect(summarizeArguments({ name: "add_task", arguments: { title: "Milk", description: null }, result: {} })).toBe(
      '(title: "Milk")',
    );
    const long = summarizeArguments({ name: "add_task", arguments: { title: "x".repeat(300) }, result: {} });
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.endsWith("…)")).toBe(true);
  });
});

describe("session storage", () => {
  function memoryStorage(): Storage {
    const data = new Map<string, string>();
    return {
      get length() {
        return data.size;
      },
      clear: () => data.clear(),
      getItem: (key) => data.get(key) ?? null,
      key: (index) => [...data.keys()][index] ?? null,
      removeItem: (key) => void data.delete(key),
      setItem: (key, value) => void data.set(key, value),
    };
  }

  it("round-trips a session and forgets it on logout", () => {
    const storage = memoryStorage();
    const session = { token: "t", user: { id: 1, email: "a@example.com" } };
    saveSession(session, storage);
    expect(loadSession(storage)).toEqual(session);
    clearSession(storage);
    expect(loadSession(storage)).toBeNull();
  });

  it("ignores a corrupted entry", () => {
    const storage = memoryStorage();
    storage.setItem("todo-chatbot.session", "{not json");
    expect(loadSession(storage)).toBeNull();
    storage.setItem("todo-chatbot.session", JSON.stringify({ token: "", user: null }));
    expect(loadSession(storage)).toBeNull();
  });
});

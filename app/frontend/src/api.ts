// Client of the backend REST API. Every URL is relative (/api/...), so the app
// works behind any host name, ingress or proxy that serves it.

export interface User {
  id: number;
  email: string;
}

export interface Session {
  token: string;
  user: User;
}

export interface Task {
  /** The task's id in the API's paths (unique across users). */
  id: number;
  /** Its number among the user's tasks, from 1: what the page shows and the chat understands ("task 3"). */
  number: number;
  user_id: number;
  title: string;
  description: string | null;
  completed: boolean;
  created_at: string;
  updated_at: string;
}

export type TaskFilter = "all" | "pending" | "completed";

export interface TaskPage {
  tasks: Task[];
  nextAfter: number | null;
}

export interface TaskChanges {
  title?: string;
  description?: string;
  completed?: boolean;
}

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
  result: unknown;
}

export interface ChatReply {
  conversation_id: number;
  response: string;
  tool_calls: ToolCall[];
}

export interface StoredMessage {
  id: number;
  role: "user" | "assistant";
  content: string;
  created_at: string;
}

export interface Conversation {
  id: number;
  created_at: string;
  updated_at: string;
  messages: StoredMessage[];
}

interface AuthResponse {
  access_token: string;
  token_type: string;
  user: User;
}

// Limits the backend enforces; the forms use them so people learn about a
// too-long title before they submit it.
export const TITLE_MAX_LENGTH = 200;
export const DESCRIPTION_MAX_LENGTH = 2000;
export const MESSAGE_MAX_LENGTH = 4000;

/** An API failure carrying a message that can be shown to a person as is. */
export class ApiError extends Error {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** Status used for failures where no HTTP response arrived at all. */
export const NETWORK_ERROR_STATUS = 0;

interface ValidationIssue {
  loc?: unknown[];
  msg?: string;
}

function describeValidationIssues(issues: ValidationIssue[]): string {
  const parts = issues
    .filter((issue) => typeof issue.msg === "string")
    .map((issue) => {
      // FastAPI reports locations like ["body", "title"]; the field name is
      // what helps a person, the "body" prefix does not.
      const field = (issue.loc ?? []).filter((part) => part !== "body").join(".");
      return field ? `${field}: ${issue.msg}` : String(issue.msg);
    });
  return parts.length > 0 ? `Please check your input (${parts.join("; ")}).` : "Please check your input.";
}

/**
 * Turns a failed response into one friendly sentence. Server messages for
 * client errors are shown (they explain what to fix); server errors and
 * unknown shapes get a generic message, never a raw body or stack trace.
 */
export function describeError(status: number, body: unknown): string {
  if (status === NETWORK_ERROR_STATUS) {
    return "Can't reach the server. Check your connection and try again.";
  }
  if (status >= 500) {
    return "The server had a problem. Please try again in a moment.";
  }
  const detail =
    body && typeof body === "object"
      ? ((body as Record<string, unknown>).detail ?? (body as Record<string, unknown>).message)
      : undefined;
  if (Array.isArray(detail)) {
    return describeValidationIssues(detail as ValidationIssue[]);
  }
  if (typeof detail === "string" && detail.trim() !== "") {
    return detail.length > 300 ? `${detail.slice(0, 300)}…` : detail;
  }
  switch (status) {
    case 401:
      return "Your session has expired. Please log in again.";
    case 403:
      return "You are not allowed to do that.";
    case 404:
      return "That item no longer exists.";
    case 409:
      return "That already exists.";
    case 422:
    case 400:
      return "Please check your input.";
    case 429:
      return "Too many requests. Please wait a moment and try again.";
    default:
      return `Something went wrong (error ${status}). Please try again.`;
  }
}

interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  token?: string;
}

/** The parsed body and the response headers (the task list's next-page cursor travels in a header). */
export interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await apiRequestWithHeaders<T>(path, options)).data;
}

export async function apiRequestWithHeaders<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  if (options.token) {
    headers.Authorization = `Bearer ${options.token}`;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(describeError(NETWORK_ERROR_STATUS, null), NETWORK_ERROR_STATUS);
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    throw new ApiError(describeError(response.status, parsed), response.status);
  }
  return { data: parsed as T, headers: response.headers };
}

function sessionFrom(auth: AuthResponse): Session {
  return { token: auth.access_token, user: auth.user };
}

export async function signUp(email: string, password: string): Promise<Session> {
  try {
    return sessionFrom(await apiRequest<AuthResponse>("/api/auth/signup", { method: "POST", body: { email, password } }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      throw new ApiError("An account with this email already exists. Log in instead.", 409);
    }
    throw error;
  }
}

export async function logIn(email: string, password: string): Promise<Session> {
  try {
    return sessionFrom(await apiRequest<AuthResponse>("/api/auth/login", { method: "POST", body: { email, password } }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new ApiError("Wrong email or password.", 401);
    }
    throw error;
  }
}

export function fetchCurrentUser(token: string): Promise<User> {
  return apiRequest<User>("/api/auth/me", { token });
}

/** Picks the conversation that changed last, whatever order the server used. */
export function latestConversation(conversations: Conversation[]): Conversation | undefined {
  let latest: Conversation | undefined;
  for (const conversation of conversations) {
    if (
      !latest ||
      conversation.updated_at > latest.updated_at ||
      (conversation.updated_at === latest.updated_at && conversation.id > latest.id)
    ) {
      latest = conversation;
    }
  }
  return latest;
}

export type TodoApi = ReturnType<typeof createTodoApi>;

/**
 * The calls a signed-in user makes. `onUnauthorized` runs when the token is
 * rejected (expired or revoked) so the app can send the person back to login.
 */
export function createTodoApi(session: Session, onUnauthorized: () => void) {
  const userPath = `/api/${encodeURIComponent(String(session.user.id))}`;

  async function call<T>(path: string, options: Omit<RequestOptions, "token"> = {}): Promise<T> {
    return (await callWithHeaders<T>(path, options)).data;
  }

  async function callWithHeaders<T>(path: string, options: Omit<RequestOptions, "token"> = {}): Promise<ApiResponse<T>> {
    try {
      return await apiRequestWithHeaders<T>(`${userPath}${path}`, { ...options, token: session.token });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        onUnauthorized();
      }
      throw error;
    }
  }

  return {
    /** One page of tasks in id order; `nextAfter` is the cursor of the next page, null on the last. */
    listTasks: async (filter: TaskFilter, after = 0): Promise<TaskPage> => {
      const query = after > 0 ? `/tasks?status=${filter}&after=${after}` : `/tasks?status=${filter}`;
      const { data, headers } = await callWithHeaders<Task[]>(query);
      const next = headers.get("X-Next-After");
      return { tasks: data, nextAfter: next === null ? null : Number(next) };
    },
    createTask: (title: string, description?: string) =>
      call<Task>("/tasks", { method: "POST", body: description ? { title, description } : { title } }),
    updateTask: (taskId: number, changes: TaskChanges) => call<Task>(`/tasks/${taskId}`, { method: "PUT", body: changes }),
    // The state the user asked for, not a toggle: two tabs clicking at once agree on the result.
    setCompleted: (taskId: number, completed: boolean) =>
      call<Task>(`/tasks/${taskId}/complete`, { method: "PATCH", body: { completed } }),
    deleteTask: (taskId: number) => call<null>(`/tasks/${taskId}`, { method: "DELETE" }),
    sendChat: (message: string, conversationId?: number) =>
      call<ChatReply>("/chat", {
        method: "POST",
        body: conversationId === undefined ? { message } : { conversation_id: conversationId, message },
      }),
    listConversations: () => call<Conversation[]>("/conversations"),
  };
}

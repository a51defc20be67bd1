import type { Session } from "./api";

// The token lives in memory (React state) and in localStorage, so a reload or a
// new tab keeps the person signed in until the token expires or they log out.
const STORAGE_KEY = "todo-chatbot.session";

function isSession(value: unknown): value is Session {
  if (!value || typeof value !== "object") return false;
  const candidate = value as Partial<Session>;
  return (
    typeof candidate.token === "string" &&
    candidate.token.length > 0 &&
    !!candidate.user &&
    typeof candidate.user.id === "number" &&
    typeof candidate.user.email === "string"
  );
}

export function loadSession(storage: Storage | undefined = globalThis.localStorage): Session | null {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    return isSession(parsed) ? parsed : null;
  } catch {
    // Storage can be disabled (private mode, quotas) or hold garbage: start signed out.
    return null;
  }
}

export function saveSession(session: Session, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // Without storage the session still works until the page is reloaded.
  }
}

export function clearSession(storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored, nothing to clear.
  }
}

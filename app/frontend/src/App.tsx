import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, createTodoApi, fetchCurrentUser, type Session } from "./api";
import { clearSession, loadSession, saveSession } from "./session";
import { AuthForm } from "./components/AuthForm";
import { TaskPanel } from "./components/TaskPanel";
import { ChatPanel } from "./components/ChatPanel";

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [signedOutNotice, setSignedOutNotice] = useState<string | null>(null);
  // Bumped whenever the chat ran a tool, so the task list shows what the assistant changed.
  const [taskListVersion, setTaskListVersion] = useState(0);

  const signIn = useCallback((newSession: Session) => {
    saveSession(newSession);
    setSignedOutNotice(null);
    setSession(newSession);
  }, []);

  const signOut = useCallback((notice: string | null = null) => {
    clearSession();
    setSignedOutNotice(notice);
    setSession(null);
  }, []);

  const api = useMemo(
    () => (session ? createTodoApi(session, () => signOut("Your session has expired. Please log in again.")) : null),
    [session, signOut],
  );

  // A token restored from storage may have expired while the tab was closed.
  useEffect(() => {
    if (!session) return;
    let cancelled = false;
    fetchCurrentUser(session.token).catch((error: unknown) => {
      if (!cancelled && error instanceof ApiError && error.status === 401) {
        signOut("Your session has expired. Please log in again.");
      }
    });
    return () => {
      cancelled = true;
    };
  }, [session, signOut]);

  const refreshTasks = useCallback(() => setTaskListVersion((version) => version + 1), []);

  if (!session || !api) {
    return (
      <main className="auth-page">
        <h1 className="app-title">Todo AI Chatbot</h1>
        <p className="tagline">Keep your to-do list by hand, or just tell the assistant what to do.</p>
        <AuthForm onSignedIn={signIn} notice={signedOutNotice} />
      </main>
    );
  }

  return (
    <div className="app">
      <header className="app-header">
        <h1 className="app-title">Todo AI Chatbot</h1>
        <div className="account">
          <span className="account-email" title={session.user.email}>
            {session.user.email}
          </span>
          <button type="button" className="button secondary" onClick={() => signOut()}>
            Log out
          </button>
        </div>
      </header>
      <main className="workspace">
        <TaskPanel key={`tasks-${session.user.id}`} api={api} version={taskListVersion} />
        <ChatPanel key={`chat-${session.user.id}`} api={api} onToolsRan={refreshTasks} />
      </main>
    </div>
  );
}

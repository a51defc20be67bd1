import { useId, useState, type FormEvent } from "react";
import { ApiError, logIn, signUp, type Session } from "../api";

type Mode = "login" | "signup";

interface AuthFormProps {
  onSignedIn: (session: Session) => void;
  /** Why the person is looking at this form again (e.g. an expired session). */
  notice: string | null;
}

export function AuthForm({ onSignedIn, notice }: AuthFormProps) {
  const [mode, setMode] = useState<Mode>("signup");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = useId();

  const isSignup = mode === "signup";

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const session = isSignup ? await signUp(email.trim(), password) : await logIn(email.trim(), password);
      onSignedIn(session);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "Something went wrong. Please try again.");
      setBusy(false);
    }
  }

  function switchMode() {
    setMode(isSignup ? "login" : "signup");
    setError(null);
  }

  return (
    <section className="card auth-card" aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`}>{isSignup ? "Create an account" : "Log in"}</h2>
      {notice && !error && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={submit} noValidate={false}>
        <label htmlFor={`${ids}-email`}>Email</label>
        <input
          id={`${ids}-email`}
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <label htmlFor={`${ids}-password`}>Password</label>
        <input
          id={`${ids}-password`}
          type="password"
          autoComplete={isSignup ? "new-password" : "current-password"}
          required
          minLength={isSignup ? 8 : undefined}
          aria-describedby={isSignup ? `${ids}-password-hint` : undefined}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {isSignup && (
          <p id={`${ids}-password-hint`} className="hint">
            At least 8 characters.
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Please wait…" : isSignup ? "Sign up" : "Log in"}
        </button>
      </form>
      <p className="switch-mode">
        {isSignup ? "Already have an account?" : "New here?"}{" "}
        <button type="button" className="link-button" onClick={switchMode}>
          {isSignup ? "Log in" : "Create an account"}
        </button>
      </p>
    </section>
  );
}

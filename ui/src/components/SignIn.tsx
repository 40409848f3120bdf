import { useEffect, useRef, useState, type FormEvent } from "react";
import type { SignInView } from "../generated/SignInView";

interface Props {
  serverUrl: string;
  issuerUrl: string;
  reason: string | null;
  signIn: SignInView;
  onBrowserSignIn: (serverUrl: string, issuerUrl: string) => Promise<void>;
  onCancel: () => Promise<void>;
  onTokenSignIn: (serverUrl: string, token: string) => Promise<void>;
}

/** Signing in: the browser way first; addresses and a pasted token tucked away. */
export function SignIn(p: Props) {
  const [url, setUrl] = useState(p.serverUrl);
  const [issuer, setIssuer] = useState(p.issuerUrl);
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The window may come up without the keyboard (another window held it),
  // or lose the button's focus before the page settles: when it gets the
  // keyboard with nothing focused, the button takes it back, and Enter with
  // nothing focused signs in all the same.
  const primary = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const nothingFocused = () => !document.activeElement || document.activeElement === document.body;
    const refocus = () => {
      if (nothingFocused()) primary.current?.focus();
    };
    const enter = (e: KeyboardEvent) => {
      if (e.key === "Enter" && nothingFocused() && primary.current && !primary.current.disabled) {
        e.preventDefault();
        primary.current.click();
      }
    };
    window.addEventListener("focus", refocus);
    window.addEventListener("keydown", enter);
    return () => {
      window.removeEventListener("focus", refocus);
      window.removeEventListener("keydown", enter);
    };
  }, []);
  const run = (action: Promise<void>) => {
    setBusy(true);
    setError(null);
    action.then(
      () => setBusy(false),
      (err) => {
        setBusy(false);
        setError(String(err));
      },
    );
  };
  const browser = (e: FormEvent) => {
    e.preventDefault();
    run(p.onBrowserSignIn(url, issuer));
  };
  const pasted = (e: FormEvent) => {
    e.preventDefault();
    run(p.onTokenSignIn(url, token));
  };
  const shownError = error ?? p.signIn.error;
  return (
    <div className="signin">
      <h1>Sign in to UrutiBiz</h1>
      <p className="hint">Get booking requests, messages and updates on this computer as they happen.</p>
      {p.reason && p.reason !== "Not signed in" && p.reason !== "Signed out" && <p className="notice">{p.reason}</p>}
      {p.signIn.waiting ? (
        <div className="waiting" role="status">
          <p>Continue in your browser: sign in there, then come back here.</p>
          <button type="button" onClick={() => run(p.onCancel())}>
            Cancel
          </button>
        </div>
      ) : (
        <form onSubmit={browser}>
          <button type="submit" className="primary" disabled={busy} autoFocus ref={primary}>
            Sign in with UrutiBiz
          </button>
        </form>
      )}
      {shownError && (
        <p className="notice error" role="alert">
          {shownError}
        </p>
      )}
      <details className="advanced">
        <summary>Server addresses</summary>
        <label>
          Server
          <input value={url} onChange={(e) => setUrl(e.target.value)} autoComplete="url" required />
        </label>
        <label>
          Sign-in service
          <input value={issuer} onChange={(e) => setIssuer(e.target.value)} autoComplete="url" required />
        </label>
      </details>
      <details className="advanced">
        <summary>Advanced: paste a token</summary>
        <form onSubmit={pasted}>
          <label>
            Token
            <textarea value={token} onChange={(e) => setToken(e.target.value)} rows={4} placeholder="Paste your session token" />
          </label>
          <button type="submit" disabled={busy || token.trim() === ""}>
            Use this token
          </button>
        </form>
      </details>
    </div>
  );
}

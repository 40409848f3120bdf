import { useState, type FormEvent } from "react";

interface Props {
  serverUrl: string;
  reason: string | null;
  onSignIn: (serverUrl: string, token: string) => Promise<void>;
}

export function SignIn({ serverUrl, reason, onSignIn }: Props) {
  const [url, setUrl] = useState(serverUrl);
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    onSignIn(url, token).then(
      () => setBusy(false),
      (err) => {
        setBusy(false);
        setError(String(err));
      },
    );
  };
  return (
    <form className="signin" onSubmit={submit}>
      <h1>Sign in to UrutiBiz</h1>
      {reason && reason !== "Not signed in" && <p className="notice">{reason}</p>}
      <label>
        Server
        <input value={url} onChange={(e) => setUrl(e.target.value)} autoComplete="url" required />
      </label>
      <label>
        Token
        <textarea value={token} onChange={(e) => setToken(e.target.value)} rows={4} required placeholder="Paste your session token" autoFocus />
      </label>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy || token.trim() === ""}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

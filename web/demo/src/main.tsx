// A page header with the bell, as the seed's site had it, on the package.
// Signs in with a development token kept in localStorage (where the seed
// kept its token), so a reload stays signed in: the demo opts in to
// `tokenStorage: "localStorage"`; a real site passes its auth SDK's getter.
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import {
  DEFAULT_TOKEN_KEY,
  RealtimeNotifications,
  RealtimeProvider,
  useNotifications,
  useRealtime,
  type BookingStatusChanged,
  type NewMessage,
} from "../../src/index.js";
import "./demo.css";

declare const __REALTIME_URL__: string;

/** `?server=` overrides the build's server (the browser test uses it). */
const serverUrl = new URLSearchParams(location.search).get("server") ?? __REALTIME_URL__;
type Theme = "light" | "dark" | "auto";

function storedToken(): string | null {
  return localStorage.getItem(DEFAULT_TOKEN_KEY);
}

function SignIn({ onToken }: { onToken: (token: string) => void }) {
  // The demo's marketplace day writes to these two.
  const [user, setUser] = useState("host-amina");
  const [role, setRole] = useState("host");
  const [name, setName] = useState("Amina");
  const [pasted, setPasted] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const mint = async () => {
    setProblem(null);
    const q = new URLSearchParams({ sub: user, role, name });
    const res = await fetch(`/dev/token?${q}`).catch(() => null);
    if (!res?.ok) {
      setProblem("Development tokens come from `npm run demo` (scripts/demo.sh); paste a token instead.");
      return;
    }
    onToken((await res.json()).token);
  };
  return (
    <section className="card" aria-labelledby="sign-in">
      <h1 id="sign-in">Sign in</h1>
      <p className="muted">A development token for any user; the server runs with <code>--dev</code>.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void mint();
        }}
      >
        <label>
          User id <input value={user} onChange={(e) => setUser(e.target.value)} required />
        </label>
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Role{" "}
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="renter">renter</option>
            <option value="host">host</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Sign in with a development token</button>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (pasted.trim()) onToken(pasted.trim());
        }}
      >
        <label>
          Or paste a token <textarea value={pasted} onChange={(e) => setPasted(e.target.value)} rows={3} />
        </label>
        <button type="submit">Use this token</button>
      </form>
      {problem && <p role="alert">{problem}</p>}
    </section>
  );
}

function Page({ theme, setTheme, signOut }: { theme: Theme; setTheme: (t: Theme) => void; signOut: () => void }) {
  const { socket, isConnected, connectionState, user, joinRoom } = useRealtime();
  const { unreadCount } = useNotifications();
  const [live, setLive] = useState<string[]>([]);
  const [booking, setBooking] = useState("");
  const [note, setNote] = useState<string | null>(null);

  // As in the seed: listen on the socket for what the page cares about.
  useEffect(() => {
    const onMessage = (m: NewMessage) => setLive((l) => [`${m.fromName}: ${m.message}`, ...l].slice(0, 8));
    const onBooking = (b: BookingStatusChanged) =>
      setLive((l) => [`Booking ${b.item ?? b.bookingId} is now ${b.status}`, ...l].slice(0, 8));
    socket.on("new-message", onMessage);
    socket.on("booking-status-changed", onBooking);
    return () => {
      socket.off("new-message", onMessage);
      socket.off("booking-status-changed", onBooking);
    };
  }, [socket]);

  const sendTest = async () => {
    const res = await fetch(`/dev/publish?user=${encodeURIComponent(user?.userId ?? "")}`, { method: "POST" }).catch(
      () => null,
    );
    setNote(res?.ok ? "Sent: watch the bell." : "Test notifications come from `npm run demo` (scripts/demo.sh).");
  };

  return (
    <>
      <header className="site-header">
        <span className="brand">UrutiBiz</span>
        <nav aria-label="Main">
          <a href="#">Browse</a>
          <a href="#">My bookings</a>
        </nav>
        <div className="header-tools">
          <span className={`dot dot--${connectionState}`} title={connectionState} aria-label={`Realtime: ${connectionState}`} />
          <RealtimeNotifications theme={theme} onSelect={(n) => setNote(`Opened “${n.title}”`)} />
          <label className="theme">
            <span className="visually-hidden">Theme</span>
            <select value={theme} onChange={(e) => setTheme(e.target.value as Theme)} aria-label="Theme">
              <option value="auto">System</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="card">
        <h1>{user ? `Hello, ${user.userId}` : "Connecting…"}</h1>
        <p className="muted" data-testid="status">
          {isConnected ? `Connected as ${user?.role}; ${unreadCount} unread.` : `Realtime: ${connectionState}.`}
        </p>
        <div className="row">
          <button type="button" onClick={() => void sendTest()} disabled={!isConnected}>
            Send me a test notification
          </button>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              joinRoom(booking, "booking").then(
                (room) => setNote(`Watching ${room}`),
                (err: Error) => setNote(err.message),
              );
            }}
          >
            <label>
              Watch booking <input value={booking} onChange={(e) => setBooking(e.target.value)} placeholder="booking id" />
            </label>
            <button type="submit" disabled={!booking || !isConnected}>
              Watch
            </button>
          </form>
        </div>
        {note && <p role="status">{note}</p>}
        <h2>Live events</h2>
        {live.length === 0 ? (
          <p className="muted">Messages and booking changes show up here as they happen.</p>
        ) : (
          <ul>
            {live.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        )}
      </main>
    </>
  );
}

function Demo() {
  const [token, setToken] = useState(storedToken);
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem("demo-theme") as Theme) ?? "auto");
  useEffect(() => {
    localStorage.setItem("demo-theme", theme);
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  if (!token) {
    return (
      <SignIn
        onToken={(t) => {
          localStorage.setItem(DEFAULT_TOKEN_KEY, t);
          setToken(t);
        }}
      />
    );
  }
  return (
    // Keyed by the token: a new sign-in is a new connection.
    <RealtimeProvider key={token} url={serverUrl} tokenStorage="localStorage">
      <Page
        theme={theme}
        setTheme={setTheme}
        signOut={() => {
          localStorage.removeItem(DEFAULT_TOKEN_KEY);
          setToken(null);
        }}
      />
    </RealtimeProvider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Demo />
  </StrictMode>,
);

import { useCallback, useEffect, useMemo, useState } from "react";
import type { Snapshot } from "./generated/Snapshot";
import * as ipc from "./ipc";
import { Header } from "./components/Header";
import { StatusLine } from "./components/StatusLine";
import { HistoryList } from "./components/HistoryList";
import { FilterTabs } from "./components/FilterTabs";
import { SignIn } from "./components/SignIn";
import { ChatsView } from "./components/ChatsView";
import { BookingsView } from "./components/BookingsView";
import { SettingsView } from "./components/SettingsView";
import { UpdateBanner } from "./components/UpdateBanner";
import { filterItems, markReadLocally, type Filter } from "./store";

type View = "notifications" | "bookings" | "chats" | "settings";

/** A focus that names a view rather than an item (the tray's "Settings…"). */
const VIEW_PREFIX = "view:";
/** Foci from `urutibiz://booking/<id>` links. */
const LINKS: Record<string, View> = { "booking:": "bookings" };
/** A conversation a popup opened (a click: it is read). */
const CHAT = "chat:";
/** A conversation a `urutibiz://chat/<id>` link opened: shown, and read only
 * once the person looks at it (anyone can send a link). */
const CHAT_LINK = "chat-link:";

function applyTheme(theme: string) {
  const root = document.documentElement;
  if (theme === "light" || theme === "dark") root.dataset.theme = theme;
  else delete root.dataset.theme;
}

export function App() {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [filter, setFilter] = useState<Filter>("all");
  const [view, setView] = useState<View>("notifications");
  const [focusId, setFocusId] = useState<string | null>(null);
  // The booking a link opened the window at.
  const [linked, setLinked] = useState<string | null>(null);
  // The conversation shown in Chats (a link, a popup or a click opens one).
  const [showing, setShowing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // A conversation a link opened that the person has not looked at yet.
  const [unseen, setUnseen] = useState<string | null>(null);

  const openChat = useCallback((chatId: string, byLink = false) => {
    setShowing(chatId);
    setUnseen(byLink ? chatId : null);
    ipc.openChat(chatId, !byLink).catch((e) => setError(String(e)));
  }, []);

  // Read the linked conversation once the window is in front of the person
  // (focused and visible), or they act in it.
  useEffect(() => {
    if (!unseen) return;
    const read = () => {
      setUnseen(null);
      ipc.readChat(unseen).catch((e) => setError(String(e)));
    };
    const look = () => {
      if (document.visibilityState === "visible" && document.hasFocus()) read();
    };
    look();
    window.addEventListener("focus", look);
    document.addEventListener("visibilitychange", look);
    window.addEventListener("pointerdown", read);
    window.addEventListener("keydown", read);
    return () => {
      window.removeEventListener("focus", look);
      document.removeEventListener("visibilitychange", look);
      window.removeEventListener("pointerdown", read);
      window.removeEventListener("keydown", read);
    };
  }, [unseen]);

  // A message that came to the open conversation while the window was
  // behind others counts as unread; read it the same way once the person
  // looks or acts.
  const openUnread = snapshot?.myChats.rows?.find((r) => r.id === showing)?.unread ?? 0;
  useEffect(() => {
    if (showing && view === "chats" && openUnread > 0) setUnseen(showing);
  }, [showing, view, openUnread]);

  useEffect(() => {
    let alive = true;
    const focus = (id: string) => {
      if (!alive) return;
      const link = Object.keys(LINKS).find((prefix) => id.startsWith(prefix));
      if (id.startsWith(CHAT_LINK) || id.startsWith(CHAT)) {
        setView("chats");
        const byLink = id.startsWith(CHAT_LINK);
        openChat(id.slice(byLink ? CHAT_LINK.length : CHAT.length), byLink);
      } else if (link) {
        setView(LINKS[link]);
        setLinked(id.slice(link.length));
      } else if (id.startsWith(VIEW_PREFIX)) {
        setView(id.slice(VIEW_PREFIX.length) as View);
      } else {
        setView("notifications");
        setFocusId(id);
      }
    };
    const unlisten = [ipc.onSnapshot((s) => alive && setSnapshot(s)), ipc.onFocusItem(focus)];
    ipc.getSnapshot().then((s) => alive && setSnapshot(s), (e) => setError(String(e)));
    ipc.takeFocusItem().then((id) => id && focus(id));
    return () => {
      alive = false;
      // Unlistening can fail once the app is being torn down; nothing to do then.
      unlisten.forEach((p) => p.then((f) => f()).catch(() => undefined));
    };
  }, [openChat]);

  useEffect(() => applyTheme(snapshot?.settings.theme ?? "system"), [snapshot?.settings.theme]);

  const run = useCallback((action: Promise<unknown>) => {
    action.then(() => setError(null), (e) => setError(String(e)));
  }, []);

  const markRead = useCallback(
    (ids: string[]) => {
      setSnapshot((s) => {
        if (!s) return s;
        const unread = s.items.filter((i) => ids.includes(i.id) && !i.read).length;
        return { ...s, items: markReadLocally(s.items, ids), unreadCount: Math.max(0, s.unreadCount - unread) };
      });
      run(ipc.markRead(ids));
    },
    [run],
  );

  const markAll = useCallback(() => {
    setSnapshot((s) => (s ? { ...s, items: s.items.map((i) => ({ ...i, read: true })), unreadCount: 0 } : s));
    run(ipc.markAllRead());
  }, [run]);

  const clearAll = useCallback(() => {
    setSnapshot((s) => (s ? { ...s, items: [], unreadCount: 0 } : s));
    run(ipc.clearAll());
  }, [run]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey && e.shiftKey && e.key.toLowerCase() === "a") {
        e.preventDefault();
        markAll();
      } else if (e.ctrlKey && !e.shiftKey && e.key.toLowerCase() === "w") {
        // Close to the tray; the app keeps running.
        e.preventDefault();
        ipc.closeWindow();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [markAll]);

  const visible = useMemo(() => (snapshot ? filterItems(snapshot.items, filter) : []), [snapshot, filter]);

  if (!snapshot) {
    return <div className="loading">{error ?? "Loading…"}</div>;
  }
  if (!snapshot.signedIn) {
    return (
      <SignIn
        serverUrl={snapshot.settings.serverUrl}
        issuerUrl={snapshot.settings.issuerUrl}
        reason={snapshot.connection.reason}
        signIn={snapshot.signIn}
        onBrowserSignIn={(url, issuer) => ipc.signInWithBrowser(url, issuer)}
        onCancel={() => ipc.cancelSignIn()}
        onTokenSignIn={(url, token) => ipc.signIn(url, token)}
      />
    );
  }
  const preferences = snapshot.settings.preferences;
  const updatePreferences = (next: typeof preferences) => {
    // Shown at once; the backend's snapshot follows.
    setSnapshot((s) => (s ? { ...s, settings: { ...s.settings, preferences: next } } : s));
    run(ipc.setPreferences(next));
  };
  const mute = (key: string, until: number | null | undefined) => {
    const muted = { ...preferences.muted };
    if (until === undefined) delete muted[key];
    else muted[key] = until;
    updatePreferences({ ...preferences, muted });
  };
  // "Open in browser" shows only once a website is set.
  const web = snapshot.settings.webUrl !== null ? true : undefined;
  const cycleTheme = () => {
    const next = { system: "light", light: "dark", dark: "system" }[snapshot.settings.theme] ?? "system";
    run(ipc.setTheme(next));
  };
  return (
    <div className="app">
      <Header
        unread={snapshot.unreadCount}
        settings={snapshot.settings}
        onMarkAll={markAll}
        onClear={clearAll}
        onTheme={cycleTheme}
        onMute={() => run(ipc.setMuted(!snapshot.settings.muted))}
        onDnd={(mode) => run(ipc.setDnd(mode))}
        onSignOut={() => run(ipc.signOut())}
        userName={snapshot.user ? (snapshot.user.name ?? snapshot.user.id) : null}
        hasItems={snapshot.items.length > 0}
      />
      <StatusLine connection={snapshot.connection} onRetry={() => run(ipc.reconnect())} />
      {snapshot.keychain.message && <p className="notice">{snapshot.keychain.message}</p>}
      <UpdateBanner update={snapshot.update} onInstall={() => run(ipc.installUpdate())} />
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      <nav className="views" aria-label="Views">
        {(["notifications", "bookings", "chats", "settings"] as View[]).map((v) => (
          <button key={v} className={v === view ? "active" : ""} aria-pressed={v === view} onClick={() => setView(v)}>
            {v[0].toUpperCase() + v.slice(1)}
          </button>
        ))}
      </nav>
      {view === "notifications" ? (
        <>
          <FilterTabs filter={filter} onChange={setFilter} items={snapshot.items} />
          <HistoryList items={visible} filter={filter} focusId={focusId} onRead={markRead} onOpenWeb={web && ((id) => run(ipc.openOnWeb("notification", id)))} />
        </>
      ) : view === "settings" ? (
        <SettingsView
          preferences={preferences}
          onChange={updatePreferences}
          webUrl={snapshot.settings.webUrl}
          onWebUrl={(url) => run(ipc.setWebUrl(url))}
          startAtLogin={snapshot.settings.startAtLogin}
          onStartAtLogin={(on) => run(ipc.setStartAtLogin(on))}
        />
      ) : view === "bookings" ? (
        <BookingsView
          bookings={snapshot.myBookings}
          onMove={(id, status) => run(ipc.updateBooking(id, status))}
          onRetry={() => run(ipc.reloadBookings())}
          muted={preferences.muted}
          onMute={mute}
          linked={linked}
          onMessage={(toUserId, chatId, text) => run(ipc.messageUser(toUserId, chatId, text))}
          onOpenWeb={web && ((id) => run(ipc.openOnWeb("booking", id)))}
          timeline={ipc.bookingTimeline}
        />
      ) : (
        <ChatsView
          chats={snapshot.myChats}
          showing={showing}
          onOpen={openChat}
          onClose={() => setShowing(null)}
          onOlder={() => run(ipc.loadOlderMessages())}
          onMore={() => run(ipc.loadMoreChats())}
          onRetry={() => run(ipc.reloadChats())}
          onSend={(chatId, text) => run(ipc.sendMessage(chatId, text))}
          muted={preferences.muted}
          onMute={mute}
          onOpenWeb={web && ((id) => run(ipc.openOnWeb("chat", id)))}
        />
      )}
    </div>
  );
}

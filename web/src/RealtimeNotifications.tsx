// The seed's bell: an unread badge, a dropdown with the history, mark one
// or all as read, clear all; keyboard and screen-reader friendly; light,
// dark, or following the system.
import { useEffect, useId, useInsertionEffect, useRef, useState, type KeyboardEvent } from "react";
import { useNotifications } from "./useNotifications.js";
import { useRealtime } from "./useRealtime.js";
import type { NotificationItem } from "./notifications.js";
import { STYLES } from "./styles.js";

export interface RealtimeNotificationsProps {
  /** `auto` (default) follows the system's dark mode. */
  theme?: "light" | "dark" | "auto";
  /** Called when the user opens a notification (navigate to it, say). */
  onSelect?: (notification: NotificationItem) => void;
  className?: string;
  /** Shown in the panel's header and the button's label. */
  title?: string;
}

const STYLE_ID = "urutibiz-realtime-styles";

function useStyles() {
  useInsertionEffect(() => {
    if (typeof document === "undefined" || document.getElementById(STYLE_ID)) return;
    const style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = STYLES;
    document.head.appendChild(style);
  }, []);
}

/** "2 minutes ago", "yesterday", in the page's language unless told. */
export function timeAgo(ms: number, now = Date.now(), locale?: string): string {
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const seconds = Math.round((ms - now) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ["second", 60],
    ["minute", 60],
    ["hour", 24],
    ["day", 7],
    ["week", 4.35],
    ["month", 12],
  ];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return unit === "second" && Math.abs(value) < 45 ? "just now" : relative.format(value, unit);
    value = Math.round(value / size);
  }
  return relative.format(value, "year");
}

export function RealtimeNotifications({ theme = "auto", onSelect, className, title = "Notifications" }: RealtimeNotificationsProps) {
  useStyles();
  const { notifications, unreadCount, loading, error, hasMore, markAsRead, markAllAsRead, clearAll, loadMore, reload } =
    useNotifications();
  const { connectionState } = useRealtime();
  const [open, setOpen] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const headingId = useId();
  const newest = notifications[0];
  const seenNewest = useRef<string | undefined>(undefined);

  // Announce a new notification once, politely.
  useEffect(() => {
    if (!newest || loading) return;
    if (seenNewest.current !== undefined && seenNewest.current !== newest.id && !newest.read) {
      setAnnouncement(`New notification: ${newest.title}`);
    }
    seenNewest.current = newest.id;
  }, [newest, loading]);

  // Close on a click outside, and on Escape wherever focus is.
  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  // Focus moves into the panel when it opens.
  useEffect(() => {
    if (!open) return;
    const panel = panelRef.current;
    (panel?.querySelector<HTMLElement>("[data-item]") ?? panel?.querySelector<HTMLElement>("button:not([disabled])"))?.focus();
  }, [open]);

  const act = (action: () => Promise<void>) => {
    setFailure(null);
    action()
      .catch((e: unknown) => setFailure(e instanceof Error ? e.message : String(e)))
      .finally(() => {
        // The button used may now be disabled or gone: keep focus in the panel.
        const panel = panelRef.current;
        if (panel && !panel.contains(document.activeElement)) panel.focus();
      });
  };

  const onPanelKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "Home" && e.key !== "End") return;
    const items = Array.from(panelRef.current?.querySelectorAll<HTMLElement>("[data-item]") ?? []);
    if (items.length === 0) return;
    e.preventDefault();
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next =
      e.key === "Home" ? 0 : e.key === "End" ? items.length - 1 : e.key === "ArrowDown" ? Math.min(items.length - 1, at + 1) : Math.max(0, at - 1);
    items[next].focus();
  };

  const badge = unreadCount > 99 ? "99+" : String(unreadCount);
  const label = unreadCount > 0 ? `${title}, ${unreadCount} unread` : title;
  const offline = connectionState !== "connected";

  return (
    <div ref={rootRef} className={`urb-bell${className ? ` ${className}` : ""}`} data-theme={theme}>
      <button
        ref={buttonRef}
        type="button"
        className="urb-bell__button"
        aria-label={label}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          />
        </svg>
        {unreadCount > 0 && (
          <span className="urb-bell__badge" data-testid="unread-badge" aria-hidden="true">
            {badge}
          </span>
        )}
      </button>
      <span className="urb-visually-hidden" role="status" aria-live="polite">
        {announcement}
      </span>
      {open && (
        <div
          ref={panelRef}
          id={panelId}
          role="dialog"
          aria-labelledby={headingId}
          tabIndex={-1}
          className="urb-bell__panel"
          onKeyDown={onPanelKey}
        >
          <div className="urb-bell__header">
            <h2 id={headingId}>{title}</h2>
            <div className="urb-bell__actions">
              <button type="button" disabled={unreadCount === 0} onClick={() => act(markAllAsRead)}>
                Mark all read
              </button>
              <button type="button" disabled={notifications.length === 0} onClick={() => act(clearAll)}>
                Clear all
              </button>
            </div>
          </div>
          {offline && (
            <p className="urb-bell__note" role="status">
              {connectionState === "signed-out" ? "Signed out: sign in to get notifications." : "Offline, reconnecting…"}
            </p>
          )}
          {failure && (
            <p className="urb-bell__note urb-bell__note--error" role="alert">
              {failure}
            </p>
          )}
          {loading && notifications.length === 0 ? (
            <p className="urb-bell__empty" role="status">
              Loading…
            </p>
          ) : error && notifications.length === 0 ? (
            <div className="urb-bell__empty" role="alert">
              <p>Could not load notifications: {error}</p>
              <button type="button" onClick={() => void reload()}>
                Try again
              </button>
            </div>
          ) : notifications.length === 0 ? (
            <p className="urb-bell__empty">You're all caught up.</p>
          ) : (
            <ul className="urb-bell__list" aria-label={title}>
              {notifications.map((n) => (
                <li key={n.id} className={n.read ? "urb-item" : "urb-item urb-item--unread"}>
                  <button
                    type="button"
                    data-item
                    className="urb-item__open"
                    onClick={() => {
                      if (!n.read) act(() => markAsRead(n.id));
                      onSelect?.(n);
                    }}
                  >
                    <span className="urb-item__title">
                      {!n.read && <span className="urb-visually-hidden">Unread: </span>}
                      {n.title}
                    </span>
                    {n.body && <span className="urb-item__body">{n.body}</span>}
                    <time className="urb-item__time" dateTime={new Date(n.createdAt).toISOString()}>
                      {timeAgo(n.createdAt)}
                    </time>
                  </button>
                  {!n.read && (
                    <button
                      type="button"
                      className="urb-item__read"
                      aria-label={`Mark "${n.title}" as read`}
                      title="Mark as read"
                      onClick={() => act(() => markAsRead(n.id))}
                    >
                      <span aria-hidden="true">✓</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {hasMore && (
            <button type="button" className="urb-bell__more" onClick={() => act(loadMore)}>
              Show older
            </button>
          )}
        </div>
      )}
    </div>
  );
}

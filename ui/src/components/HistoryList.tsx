import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { Item } from "../generated/Item";
import { groupByDay, relativeTime, type Filter } from "../store";
import { BellOffIcon, CalendarIcon, ChatIcon, CheckIcon, ExternalIcon, MegaphoneIcon } from "./Icons";

const ICONS: Record<string, () => JSX.Element> = { booking: CalendarIcon, message: ChatIcon, system: MegaphoneIcon };
const EMPTY: Record<Filter, string> = {
  all: "No notifications yet. Booking changes, messages and news will show up here.",
  booking: "No booking updates.",
  message: "No messages.",
  system: "No system notifications.",
};

interface Props {
  items: Item[];
  filter: Filter;
  focusId: string | null;
  onRead: (ids: string[]) => void;
  /** Opens what a notification is about on the website; absent when no website is set. */
  onOpenWeb?: (id: string) => void;
}

export function HistoryList({ items, filter, focusId, onRead, onOpenWeb }: Props) {
  const list = useRef<HTMLDivElement>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (!focusId) return;
    const el = list.current?.querySelector<HTMLElement>(`[data-id="${CSS.escape(focusId)}"]`);
    el?.scrollIntoView({ block: "center" });
    el?.focus();
  }, [focusId, items]);

  if (items.length === 0) {
    return (
      <div className="empty">
        <div className="empty-icon">
          <BellOffIcon />
        </div>
        <p>{EMPTY[filter]}</p>
      </div>
    );
  }

  // Arrow keys move between items; Enter or Space marks one read.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const rows = Array.from(list.current?.querySelectorAll<HTMLElement>(".item") ?? []);
    const at = rows.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => {
      e.preventDefault();
      rows[Math.max(0, Math.min(rows.length - 1, to))]?.focus();
    };
    if (e.key === "ArrowDown") move(at + 1);
    else if (e.key === "ArrowUp") move(at - 1);
    else if (e.key === "Home") move(0);
    else if (e.key === "End") move(rows.length - 1);
  };

  const groups = groupByDay(items, now);
  // Roving tab stop: one item is reachable with Tab, arrows do the rest.
  const tabStop = items.find((i) => i.id === focusId)?.id ?? items[0].id;
  return (
    <div className="list" ref={list} onKeyDown={onKeyDown} role="list" aria-label="Notifications">
      {groups.map((group) => (
        <section key={group.label} aria-label={group.label}>
          <h2 className="day">{group.label}</h2>
          {group.items.map((item) => (
            <div
              key={item.id}
              data-id={item.id}
              role="listitem"
              tabIndex={item.id === tabStop ? 0 : -1}
              className={`item ${item.read ? "read" : "unread"} ${item.id === focusId ? "focused" : ""}`}
              aria-label={`${item.read ? "" : "Unread: "}${item.title}`}
              onClick={() => !item.read && onRead([item.id])}
              onKeyDown={(e) => {
                if ((e.key === "Enter" || e.key === " ") && !item.read) {
                  e.preventDefault();
                  onRead([item.id]);
                }
              }}
            >
              <span className={`kind kind-${item.kind}`}>{(ICONS[item.kind] ?? MegaphoneIcon)()}</span>
              <div className="text">
                <div className="item-title">{item.title}</div>
                <div className="item-body">{item.body}</div>
              </div>
              <time dateTime={new Date(item.createdAt).toISOString()} title={new Date(item.createdAt).toLocaleString()}>
                {relativeTime(item.createdAt, now)}
              </time>
              {onOpenWeb && (
                <button
                  className="mark"
                  aria-label={`Open "${item.title}" in the browser`}
                  title="Open in browser"
                  onClick={(e) => {
                    e.stopPropagation();
                    onOpenWeb(item.id);
                  }}
                >
                  <ExternalIcon />
                </button>
              )}
              {!item.read && (
                <button
                  className="mark"
                  aria-label={`Mark "${item.title}" as read`}
                  onClick={(e) => {
                    e.stopPropagation();
                    onRead([item.id]);
                  }}
                >
                  <CheckIcon />
                </button>
              )}
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}

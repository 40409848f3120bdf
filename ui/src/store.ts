// Pure logic behind the window: filters, day groups, times and the status
// line. No React and no IPC, so it is tested on its own.
import type { Item } from "./generated/Item";
import type { ConnectionView } from "./generated/ConnectionView";

export type Filter = "all" | "booking" | "message" | "system";

export const FILTERS: { id: Filter; label: string }[] = [
  { id: "all", label: "All" },
  { id: "booking", label: "Bookings" },
  { id: "message", label: "Messages" },
  { id: "system", label: "System" },
];

/** Items of one filter; "system" takes every type that is not booking or message. */
export function filterItems(items: Item[], filter: Filter): Item[] {
  if (filter === "all") return items;
  if (filter === "system") return items.filter((i) => i.kind !== "booking" && i.kind !== "message");
  return items.filter((i) => i.kind === filter);
}

export interface DayGroup {
  label: string;
  items: Item[];
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Groups items (newest first) by local day: Today, Yesterday, then dates. */
export function groupByDay(items: Item[], now: number): DayGroup[] {
  const today = startOfDay(now);
  const yesterday = startOfDay(today - 1);
  const groups: DayGroup[] = [];
  for (const item of items) {
    const day = startOfDay(item.createdAt);
    const label =
      day === today
        ? "Today"
        : day === yesterday
          ? "Yesterday"
          : new Date(day).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
    const last = groups[groups.length - 1];
    if (last && last.label === label) last.items.push(item);
    else groups.push({ label, items: [item] });
  }
  return groups;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago". */
const STATUS: Record<string, string> = {
  pending: "Pending",
  confirmed: "Confirmed",
  rejected: "Declined",
  cancelled: "Cancelled",
  in_progress: "In progress",
  completed: "Completed",
};

/** A booking status in words. */
export function statusLabel(status: string): string {
  return STATUS[status] ?? status;
}

export function relativeTime(ms: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** The status line, e.g. "Offline since 14:02 — retrying in 8 s". */
export function statusText(c: ConnectionView, now: number): string {
  switch (c.state) {
    case "online":
      return "Connected";
    case "connecting":
      return "Connecting…";
    case "offline": {
      const since = c.sinceMs ? ` since ${clock(c.sinceMs)}` : "";
      if (c.sinceMs != null && c.retryInMs != null) {
        const left = Math.max(0, Math.ceil((c.sinceMs + c.retryInMs - now) / 1000));
        return left > 0 ? `Offline${since} — retrying in ${left} s` : `Offline${since} — retrying…`;
      }
      return `Offline${since}`;
    }
    default:
      return c.reason ? `Signed out — ${c.reason}` : "Signed out";
  }
}

/** The badge text: none at 0, 1–9, then 9+. */
export function badgeText(unread: number): string | null {
  if (unread <= 0) return null;
  return unread > 9 ? "9+" : String(unread);
}

/** Marks items read locally, for an instant answer before the server confirms. */
export function markReadLocally(items: Item[], ids: string[]): Item[] {
  const set = new Set(ids);
  return items.map((i) => (set.has(i.id) && !i.read ? { ...i, read: true } : i));
}

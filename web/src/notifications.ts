// The user's notifications as the web app shows them: history from the
// server (HTTP), live ones from the socket, and read state from whichever
// device changed it. The server's unread count is the one shown.
import type { RealtimeClient } from "./client.js";
import type { Notification } from "./generated/Notification.js";
import type { NotificationsRead } from "./generated/NotificationsRead.js";
import type { Authenticated } from "./generated/Authenticated.js";
import type { Resumed } from "./generated/Resumed.js";

/** A notification in history: the live payload plus its position and read flag. */
export type NotificationItem = Notification & { seq: number; read: boolean };

export interface NotificationsSnapshot {
  notifications: NotificationItem[];
  unreadCount: number;
  loading: boolean;
  error: string | null;
  /** Whether older notifications can be loaded. */
  hasMore: boolean;
}

interface Page {
  items: NotificationItem[];
  nextBefore: number | null;
}

/** Newest first, at most this many kept in memory. */
const KEEP = 200;
const PAGE = 30;

/** Applies a `notifications-read` change to a list (pure, for tests too). */
export function applyRead(items: NotificationItem[], change: NotificationsRead): NotificationItem[] {
  const ids = new Set(change.ids);
  const upTo = change.upTo ?? -1;
  const kept = change.cleared ? items.filter((n) => n.seq > upTo) : items;
  return kept.map((n) => (!n.read && (ids.has(n.id) || n.seq <= upTo) ? { ...n, read: true } : n));
}

/** Adds a live notification unless it is already there (a replay after a reload). */
export function addLive(items: NotificationItem[], item: NotificationItem): NotificationItem[] {
  if (items.some((n) => n.id === item.id)) return items;
  const next = [item, ...items];
  next.sort((a, b) => b.seq - a.seq);
  return next.slice(0, KEEP);
}

export class NotificationStore {
  private snapshot: NotificationsSnapshot = {
    notifications: [],
    unreadCount: 0,
    loading: true,
    error: null,
    hasMore: false,
  };
  private listeners = new Set<() => void>();
  private nextBefore: number | null = null;
  private started = false;
  private userId: string | null = null;

  constructor(private readonly client: RealtimeClient) {}

  get = (): NotificationsSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    this.start();
    return () => this.listeners.delete(listener);
  };

  /** Loads the newest page again (also after a `resync-required`). */
  async reload(): Promise<void> {
    this.update({ loading: true, error: null, ...(this.userId === null ? {} : { notifications: [] }) });
    try {
      const page = await this.client.http<Page>("GET", `/api/v1/notifications?limit=${PAGE}`);
      this.nextBefore = page.nextBefore;
      const { unreadCount } = await this.client.http<{ unreadCount: number }>(
        "GET",
        "/api/v1/notifications/unread-count",
      );
      // Keep live ones that arrived while the page was loading.
      let items = page.items;
      for (const live of this.snapshot.notifications) items = addLive(items, live);
      this.update({ notifications: items, unreadCount, loading: false, hasMore: page.nextBefore !== null });
    } catch (e) {
      this.update({ loading: false, error: e instanceof Error ? e.message : String(e) });
    }
  }

  async loadMore(): Promise<void> {
    if (this.nextBefore === null) return;
    const page = await this.client.http<Page>(
      "GET",
      `/api/v1/notifications?limit=${PAGE}&before=${this.nextBefore}`,
    );
    this.nextBefore = page.nextBefore;
    let items = this.snapshot.notifications;
    for (const item of page.items) items = items.some((n) => n.id === item.id) ? items : [...items, item];
    this.update({ notifications: items, hasMore: page.nextBefore !== null });
  }

  async markAsRead(id: string): Promise<void> {
    await this.changeReadState("mark-read", { ids: [id] }, { ids: [id] });
  }

  async markAllAsRead(): Promise<void> {
    await this.changeReadState("mark-all-read", undefined, { all: true });
  }

  async clearAll(): Promise<void> {
    await this.changeReadState("clear", undefined, null);
  }

  /** Over the socket when connected (one round trip), else over HTTP. */
  private async changeReadState(event: string, payload: unknown, httpBody: unknown): Promise<void> {
    let change: NotificationsRead;
    if (this.client.socket.connected) {
      change = await this.client.request<NotificationsRead>(event, ...(payload === undefined ? [] : [payload]));
    } else if (event === "clear") {
      change = await this.client.http<NotificationsRead>("DELETE", "/api/v1/notifications");
    } else {
      change = await this.client.http<NotificationsRead>("POST", "/api/v1/notifications/read", httpBody);
    }
    this.onRead(change);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    const socket = this.client.socket;
    socket.on("notification", (n: Notification, offset?: string) => {
      const seq = Number(offset ?? 0);
      const fresh = !this.snapshot.notifications.some((item) => item.id === n.id);
      this.update({
        notifications: addLive(this.snapshot.notifications, { ...n, seq, read: false }),
        unreadCount: this.snapshot.unreadCount + (fresh ? 1 : 0),
      });
    });
    socket.on("notifications-read", (change: NotificationsRead) => this.onRead(change));
    socket.on("authenticated", (hello: Authenticated) => {
      this.update({ unreadCount: hello.unreadCount });
      // Another user signed in on this page: their history, not the last one's.
      if (this.userId !== null && this.userId !== hello.userId) void this.reload();
      this.userId = hello.userId;
    });
    socket.on("resumed", (done: Resumed) => this.update({ unreadCount: done.unreadCount }));
    socket.on("resync-required", () => void this.reload());
    void this.reload();
  }

  private onRead(change: NotificationsRead): void {
    this.update({
      notifications: applyRead(this.snapshot.notifications, change),
      unreadCount: change.unreadCount,
    });
  }

  private update(part: Partial<NotificationsSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...part };
    for (const listener of this.listeners) listener();
  }
}

import { describe, expect, it } from "vitest";
import { addLive, applyRead, type NotificationItem } from "../../src/notifications";
import { timeAgo } from "../../src/RealtimeNotifications";

const item = (id: string, seq: number, read = false): NotificationItem => ({
  id,
  seq,
  read,
  type: "system",
  title: id,
  body: "",
  data: {},
  createdAt: 0,
});

describe("read state from any device", () => {
  const list = [item("c", 3), item("b", 2), item("a", 1)];

  it("marks ids and everything up to a position read", () => {
    expect(applyRead(list, { ids: ["c"], cleared: false, unreadCount: 2 }).map((n) => n.read)).toEqual([true, false, false]);
    expect(applyRead(list, { ids: [], upTo: 2, cleared: false, unreadCount: 1 }).map((n) => n.read)).toEqual([false, true, true]);
  });

  it("drops what was cleared and keeps what came after", () => {
    expect(applyRead(list, { ids: [], upTo: 2, cleared: true, unreadCount: 1 }).map((n) => n.id)).toEqual(["c"]);
  });

  it("leaves the list alone when nothing changes", () => {
    const read = [item("x", 9, true)];
    expect(applyRead(read, { ids: ["x"], cleared: false, unreadCount: 0 })[0]).toBe(read[0]);
  });
});

describe("live notifications", () => {
  it("are added once, newest first, even when replayed", () => {
    let list = [item("b", 2)];
    list = addLive(list, item("c", 3));
    list = addLive(list, item("a", 1));
    list = addLive(list, item("c", 3));
    expect(list.map((n) => n.id)).toEqual(["c", "b", "a"]);
  });
});

describe("timeAgo", () => {
  it("reads like a person", () => {
    const now = Date.UTC(2026, 10, 26, 12);
    expect(timeAgo(now - 10_000, now, "en")).toBe("just now");
    expect(timeAgo(now - 5 * 60_000, now, "en")).toBe("5 minutes ago");
    expect(timeAgo(now - 26 * 3_600_000, now, "en")).toBe("yesterday");
  });
});

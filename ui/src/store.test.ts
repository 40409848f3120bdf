import { describe, expect, it } from "vitest";
import type { Item } from "./generated/Item";
import { badgeText, filterItems, groupByDay, markReadLocally, relativeTime, statusText } from "./store";

const NOW = new Date(2026, 10, 25, 15, 0, 0).getTime();
const HOUR = 3_600_000;

function item(id: string, kind: string, createdAt: number, read = false): Item {
  return { id, seq: 0, kind, title: `t-${id}`, body: "b", data: {}, createdAt, read };
}

describe("notification store", () => {
  const items = [
    item("a", "booking", NOW - HOUR),
    item("b", "message", NOW - 2 * HOUR, true),
    item("c", "promo", NOW - 26 * HOUR),
    item("d", "system", NOW - 50 * HOUR),
  ];

  it("filters by kind, with unknown kinds under System", () => {
    expect(filterItems(items, "all").map((i) => i.id)).toEqual(["a", "b", "c", "d"]);
    expect(filterItems(items, "booking").map((i) => i.id)).toEqual(["a"]);
    expect(filterItems(items, "message").map((i) => i.id)).toEqual(["b"]);
    expect(filterItems(items, "system").map((i) => i.id)).toEqual(["c", "d"]);
  });

  it("groups by local day", () => {
    const groups = groupByDay(items, NOW);
    expect(groups.map((g) => g.label).slice(0, 2)).toEqual(["Today", "Yesterday"]);
    expect(groups[0].items.map((i) => i.id)).toEqual(["a", "b"]);
    expect(groups).toHaveLength(3);
  });

  it("says times like people do", () => {
    expect(relativeTime(NOW - 10_000, NOW)).toBe("just now");
    expect(relativeTime(NOW - 5 * 60_000, NOW)).toBe("5 min ago");
    expect(relativeTime(NOW - 3 * HOUR, NOW)).toBe("3 h ago");
    expect(relativeTime(NOW - 49 * HOUR, NOW)).toBe("2 d ago");
  });

  it("writes the status line", () => {
    const since = new Date(2026, 10, 25, 14, 2, 0).getTime();
    expect(statusText({ state: "offline", sinceMs: since, retryInMs: 10_000, reason: "x" }, since + 2_000)).toBe(
      "Offline since 14:02 — retrying in 8 s",
    );
    expect(statusText({ state: "online", sinceMs: since, retryInMs: null, reason: null }, NOW)).toBe("Connected");
    expect(statusText({ state: "signed-out", sinceMs: null, retryInMs: null, reason: "token expired" }, NOW)).toBe(
      "Signed out — token expired",
    );
  });

  it("badges 1-9 then 9+, none at 0", () => {
    expect(badgeText(0)).toBeNull();
    expect(badgeText(7)).toBe("7");
    expect(badgeText(12)).toBe("9+");
  });

  it("marks read locally without touching others", () => {
    const next = markReadLocally(items, ["a"]);
    expect(next[0].read).toBe(true);
    expect(next[2]).toBe(items[2]);
  });
});

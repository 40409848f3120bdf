// A signed-in, online snapshot for the UI's tests (Vitest and the Chromium harness).
import type { Item } from "../generated/Item";
import type { Snapshot } from "../generated/Snapshot";

export function snapshotWith(items: Item[], overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    items,
    unreadCount: items.filter((i) => !i.read).length,
    connection: { state: "online", sinceMs: Date.now(), retryInMs: null, reason: null },
    settings: {
      serverUrl: "http://127.0.0.1:8080",
      issuerUrl: "http://127.0.0.1:8081",
      muted: false,
      dndUntil: null,
      theme: "system",
      webUrl: null,
      startAtLogin: true,
      preferences: {
        bookingRequests: { popup: true, sound: true, badge: true },
        bookingChanges: { popup: true, sound: true, badge: true },
        messages: { popup: true, sound: true, badge: true },
        system: { popup: true, sound: true, badge: true },
        quietHours: { enabled: false, start: "22:00", end: "07:00", days: [0, 1, 2, 3, 4, 5, 6], urgentStaysLoud: true },
        muted: {},
      },
    },
    signedIn: true,
    keychain: { available: true, message: null },
    bookings: [],
    myBookings: { rows: [], error: null },
    myChats: { rows: [], hasMore: false, error: null, open: null },
    update: { current: "0.1.0", available: null, installing: false, error: null },
    user: { id: "host-amina", name: "Amina" },
    signIn: { waiting: false, error: null },
    ...overrides,
  };
}

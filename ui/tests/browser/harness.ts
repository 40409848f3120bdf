// The built UI with Tauri's IPC mocked by a small in-page backend, so the
// browser test drives the real components in a real Chromium.
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { Snapshot } from "../../src/generated/Snapshot";
import type { Item } from "../../src/generated/Item";
import { snapshotWith } from "../../src/testing/snapshot";

const now = Date.now();
const startOfToday = new Date(now).setHours(0, 0, 0, 0);
// "Today" never reaches back past midnight and "yesterday" is counted from
// it, so the day groups are the same whenever the test runs.
const today = (ageMs: number) => Math.max(now - ageMs, startOfToday);
const yesterday = (hoursBeforeMidnight: number) => startOfToday - hoursBeforeMidnight * 3_600_000;
const item = (n: number, kind: string, title: string, body: string, createdAt: number): Item => ({
  id: `n${n}`, seq: n, kind, title, body, data: {}, createdAt, read: false,
});

const state: Snapshot = snapshotWith([
  item(5, "booking", "Booking confirmed", "Canon EOS R6, Fri 12 Dec is confirmed.", today(60_000)),
  item(4, "message", "Message from renter-jean", "Does the camera come with a spare battery?", today(5 * 60_000)),
  item(3, "system", "New fees from January", "Service fees change on 1 January.", today(3 * 3_600_000)),
  item(2, "booking", "Booking cancelled", "4-person tent, 13-14 Dec was cancelled.", yesterday(2)),
  item(1, "booking", "Booking requested", "renter-jean requested Canon EOS R6.", yesterday(3)),
]);

// The host's bookings as the server lists them: what each allows.
state.myBookings = {
  rows: [
    { id: "b1", title: "Canon EOS R6, Fri 12 Dec", status: "pending", otherPartyId: "renter-jean", otherPartyName: "Jean",
      changedByName: null, updatedAt: today(120_000), actions: ["confirmed", "rejected", "cancelled"], chatId: "dm-1",
      outcome: null, busy: false },
    { id: "b2", title: "4-person tent, 13-14 Dec", status: "cancelled", otherPartyId: "renter-eric", otherPartyName: "Eric",
      changedByName: "Eric", updatedAt: yesterday(2), actions: [], chatId: "dm-2", outcome: null, busy: false },
  ],
  error: null,
};

// The host's conversations; Jean's holds 70 messages, served 50 then 20.
state.myChats = {
  rows: [
    { id: "dm-1", otherPartyId: "renter-jean", otherPartyName: "Jean", lastMessage: "Does the camera come with a spare battery?",
      lastFromMe: false, lastAt: today(5 * 60_000), unread: 1 },
    { id: "dm-2", otherPartyId: "renter-eric", otherPartyName: "Eric", lastMessage: "Thanks, see you then.",
      lastFromMe: true, lastAt: yesterday(2), unread: 0 },
  ],
  hasMore: false,
  error: null,
  open: null,
};
const jean = Array.from({ length: 70 }, (_, n) => ({
  id: `m${n + 1}`, mine: n % 3 === 2, fromName: n % 3 === 2 ? "Amina" : "Jean",
  text: n === 69 ? "Does the camera come with a spare battery?" : `Message ${n + 1} about the camera`,
  at: today(5 * 60_000 + (69 - n) * 60_000), sending: false, failed: null,
}));

const calls: { cmd: string; args: unknown }[] = [];
(window as unknown as { __calls: typeof calls }).__calls = calls;

function changed() {
  state.unreadCount = state.items.filter((i) => !i.read).length;
  setTimeout(() => emit("snapshot", structuredClone(state)), 50);
}

mockIPC(
  (cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "get_snapshot":
        return structuredClone(state);
      case "mark_read": {
        const ids = (args as { ids: string[] }).ids;
        state.items.forEach((i) => ids.includes(i.id) && (i.read = true));
        changed();
        return null;
      }
      case "mark_all_read":
        state.items.forEach((i) => (i.read = true));
        changed();
        return null;
      case "clear_all":
        state.items = [];
        changed();
        return null;
      case "update_booking": {
        // The server's answer, as the app would reload it.
        const { bookingId, status } = args as { bookingId: string; status: string };
        const row = state.myBookings.rows?.find((r) => r.id === bookingId);
        if (row && status === "confirmed") {
          Object.assign(row, { status, changedByName: "Amina", actions: ["cancelled", "in_progress"], updatedAt: Date.now() });
        }
        changed();
        return null;
      }
      case "open_chat": {
        const { chatId } = args as { chatId: string };
        const row = state.myChats.rows?.find((r) => r.id === chatId);
        if (row) row.unread = 0;
        const messages = chatId === "dm-1" ? jean.slice(20) : [];
        state.myChats.open = { id: chatId, title: row?.otherPartyName ?? null, messages, loading: false, hasOlder: chatId === "dm-1", error: null };
        changed();
        return null;
      }
      case "load_older_messages": {
        const open = state.myChats.open;
        if (open && open.hasOlder) Object.assign(open, { messages: [...jean.slice(0, 20), ...open.messages], hasOlder: false });
        changed();
        return null;
      }
      case "send_message": {
        const { message } = args as { chatId: string; message: string };
        state.myChats.open?.messages.push({ id: `local-${Date.now()}`, mine: true, fromName: "Amina", text: message, at: Date.now(), sending: true, failed: null });
        changed();
        return null;
      }
      case "set_preferences":
        state.settings.preferences = (args as { preferences: Snapshot["settings"]["preferences"] }).preferences;
        changed();
        return null;
      case "set_theme":
        state.settings.theme = (args as { theme: string }).theme;
        changed();
        return null;
      default:
        return null;
    }
  },
  { shouldMockEvents: true },
);

// Load the app only after the mocks are in place.
void import("../../src/main");

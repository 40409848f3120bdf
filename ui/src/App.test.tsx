import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { App } from "./App";
import type { Snapshot } from "./generated/Snapshot";
import type { BookingRow } from "./generated/BookingRow";
import { snapshotWith } from "./testing/snapshot";

function snapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  const now = Date.now();
  return snapshotWith(
    [
      { id: "n2", seq: 2, kind: "message", title: "Message from renter-jean", body: "Is it free?", data: {}, createdAt: now, read: false },
      { id: "n1", seq: 1, kind: "booking", title: "Booking confirmed", body: "Camera is confirmed.", data: {}, createdAt: now - 1000, read: false },
    ],
    overrides,
  );
}

function backend(initial: Snapshot) {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === "get_snapshot") return initial;
    if (cmd === "take_focus_item") return null;
    return null;
  }, { shouldMockEvents: true });
  return calls;
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("App", () => {
  it("shows history with unread highlighting and marks one read through the backend", async () => {
    const calls = backend(snapshot());
    render(<App />);
    const row = await screen.findByRole("listitem", { name: "Unread: Booking confirmed" });
    expect(screen.getByTestId("unread-count").textContent).toBe("2 unread");
    fireEvent.click(screen.getByRole("button", { name: 'Mark "Booking confirmed" as read' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "mark_read")).toBe(true));
    expect(calls.find((c) => c.cmd === "mark_read")?.args).toEqual({ ids: ["n1"] });
    expect(row.className).toContain("read");
    expect(screen.getByTestId("unread-count").textContent).toBe("1 unread");
  });

  it("marks all read with the keyboard shortcut and filters by type", async () => {
    const calls = backend(snapshot());
    render(<App />);
    await screen.findByText("Booking confirmed");
    fireEvent.click(screen.getByRole("tab", { name: /Messages/ }));
    expect(screen.queryByText("Booking confirmed")).toBeNull();
    expect(screen.getByText("Message from renter-jean")).toBeTruthy();
    fireEvent.keyDown(window, { key: "A", ctrlKey: true, shiftKey: true });
    await waitFor(() => expect(calls.some((c) => c.cmd === "mark_all_read")).toBe(true));
    expect(screen.getByTestId("unread-count").textContent).toBe("0 unread");
  });

  it("shows an empty state and the offline status line", async () => {
    backend(snapshot({ items: [], unreadCount: 0, connection: { state: "offline", sinceMs: Date.now(), retryInMs: 5000, reason: "down" } }));
    render(<App />);
    expect(await screen.findByText(/No notifications yet/)).toBeTruthy();
    expect(screen.getByRole("status").textContent).toMatch(/Offline since \d\d:\d\d — retrying in \d s/);
    expect((screen.getByRole("button", { name: /Clear all/ }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("asks to sign in when there is no token, and reports a refused token", async () => {
    mockIPC((cmd) => {
      if (cmd === "get_snapshot") return snapshot({ signedIn: false, user: null, connection: { state: "signed-out", sinceMs: null, retryInMs: null, reason: "token expired" } });
      if (cmd === "sign_in") throw "That does not look like a token";
      return null;
    }, { shouldMockEvents: true });
    render(<App />);
    expect(await screen.findByText("token expired")).toBeTruthy();
    fireEvent.change(screen.getByPlaceholderText("Paste your session token"), { target: { value: "nope" } });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Use this token" }));
    });
    expect((await screen.findByRole("alert")).textContent).toContain("does not look like a token");
  });

  it("signs in through the browser, shows the wait, and can cancel", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "get_snapshot") return snapshot({ signedIn: false, user: null, connection: { state: "signed-out", sinceMs: null, retryInMs: null, reason: "Not signed in" } });
      return null;
    }, { shouldMockEvents: true });
    render(<App />);
    const button = await screen.findByRole("button", { name: "Sign in with UrutiBiz" });
    expect(document.activeElement).toBe(button);
    // Focus lost (the window came up behind another): it comes back with the window's.
    button.blur();
    expect(document.activeElement).toBe(document.body);
    window.dispatchEvent(new Event("focus"));
    expect(document.activeElement).toBe(button);
    // Enter with nothing focused signs in too.
    button.blur();
    await act(async () => {
      fireEvent.keyDown(document.body, { key: "Enter" });
    });
    expect(calls.find((c) => c.cmd === "sign_in_with_browser")?.args).toEqual({
      serverUrl: "http://127.0.0.1:8080",
      issuer: "http://127.0.0.1:8081",
    });
    const { emit } = await import("@tauri-apps/api/event");
    await act(async () => {
      await emit("snapshot", snapshot({ signedIn: false, user: null, signIn: { waiting: true, error: null } }));
    });
    expect(screen.getByRole("status").textContent).toContain("Continue in your browser");
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    });
    expect(calls.some((c) => c.cmd === "cancel_sign_in")).toBe(true);
    await act(async () => {
      await emit("snapshot", snapshot({ signedIn: false, user: null, signIn: { waiting: false, error: "sign-in was not completed within 5 minutes; try again" } }));
    });
    expect(screen.getByRole("alert").textContent).toContain("not completed within 5 minutes");
  });

  it("names who is signed in", async () => {
    backend(snapshot());
    render(<App />);
    expect(await screen.findByText("Amina")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Sign out Amina" })).toBeTruthy();
  });

  it("lists conversations with names and unread, opens one, pages back and replies", async () => {
    const now = Date.now();
    const rows = [
      { id: "dm-1", otherPartyId: "renter-jean", otherPartyName: "Jean", lastMessage: "Free on Friday?", lastFromMe: false, lastAt: now, unread: 2 },
      { id: "dm-2", otherPartyId: "renter-eric", otherPartyName: "Eric", lastMessage: "Thanks!", lastFromMe: true, lastAt: now - 60_000, unread: 0 },
    ];
    const calls = backend(snapshot({ myChats: { rows, hasMore: true, error: null, open: null } }));
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Chats" }));
    expect(screen.getByRole("button", { name: "Chat with Eric" }).textContent).toContain("You: Thanks!");
    fireEvent.click(screen.getByRole("button", { name: "Show more conversations" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "load_more_chats")).toBe(true));

    fireEvent.click(screen.getByRole("button", { name: "Chat with Jean, 2 unread" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "open_chat")?.args).toEqual({ chatId: "dm-1", markRead: true }),
    );
    const open = {
      id: "dm-1", title: "Jean", loading: false, hasOlder: true, error: null,
      messages: [
        { id: "m1", mine: false, fromName: "Jean", text: "Free on Friday?", at: now - 1000, sending: false, failed: null },
        { id: "send-1", mine: true, fromName: "Amina", text: "Let me check", at: now, sending: true, failed: null },
        { id: "send-2", mine: true, fromName: "Amina", text: "Hello?", at: now, sending: false, failed: "Too many messages; try again in 30 s." },
      ],
    };
    const { emit } = await import("@tauri-apps/api/event");
    await act(async () => {
      await emit("snapshot", snapshot({ myChats: { rows: [{ ...rows[0], unread: 0 }, rows[1]], hasMore: false, error: null, open } }));
    });
    const conversation = screen.getByRole("region", { name: "Conversation with Jean" });
    expect(conversation.textContent).toContain("Free on Friday?");
    expect(conversation.textContent).toContain("Sending…");
    // A refused message says so and why, instead of sending forever.
    expect(within(conversation).getByRole("alert").textContent).toBe("Not sent: Too many messages; try again in 30 s.");
    fireEvent.click(screen.getByRole("button", { name: "Load older messages" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "load_older_messages")).toBe(true));
    fireEvent.change(screen.getByLabelText("Reply to Jean"), { target: { value: "Yes, it is." } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "send_message")?.args).toEqual({ chatId: "dm-1", message: "Yes, it is." }));
    expect((screen.getByLabelText("Reply to Jean") as HTMLInputElement).value).toBe("");

    fireEvent.click(screen.getByRole("button", { name: "All conversations" }));
    expect(screen.getByRole("list", { name: "Conversations" })).toBeTruthy();
  });

  it("opens notifications and bookings in the browser once a website is set; settings save the address and turn start at login off", async () => {
    const base = snapshot();
    const row: BookingRow = {
      id: "b1", title: "Canon EOS R6", status: "pending", otherPartyId: "renter-jean", otherPartyName: "Jean",
      changedByName: null, updatedAt: Date.now(), actions: ["confirmed"], chatId: "dm-1", outcome: null, busy: false,
    };
    const calls = backend({ ...base, myBookings: { rows: [row], error: null } });
    render(<App />);
    await screen.findByRole("listitem", { name: "Unread: Booking confirmed" });
    expect(screen.queryByRole("button", { name: 'Open "Booking confirmed" in the browser' })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    const login = screen.getByRole("checkbox", { name: /when I log in/ }) as HTMLInputElement;
    expect(login.checked).toBe(true);
    fireEvent.click(login);
    await waitFor(() => expect(calls.find((c) => c.cmd === "set_start_at_login")?.args).toEqual({ on: false }));
    fireEvent.change(screen.getByLabelText(/Website address/), { target: { value: "https://urutibiz.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "set_web_url")?.args).toEqual({ url: "https://urutibiz.com" }));

    const { emit } = await import("@tauri-apps/api/event");
    await act(async () => {
      await emit("snapshot", { ...base, settings: { ...base.settings, webUrl: "https://urutibiz.com" }, myBookings: { rows: [row], error: null } });
    });
    fireEvent.click(screen.getByRole("button", { name: "Notifications" }));
    fireEvent.click(screen.getByRole("button", { name: 'Open "Booking confirmed" in the browser' }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "open_on_web")?.args).toEqual({ kind: "notification", id: "n1" }));
    fireEvent.click(screen.getByRole("button", { name: "Bookings" }));
    fireEvent.click(screen.getByRole("button", { name: "Open Canon EOS R6 in the browser" }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "open_on_web").map((c) => c.args)).toContainEqual({ kind: "booking", id: "b1" }));
  });

  it("shows a booking's history of changes, loaded when opened", async () => {
    const row: BookingRow = {
      id: "b1", title: "Canon EOS R6", status: "confirmed", otherPartyId: "renter-jean", otherPartyName: "Jean",
      changedByName: "Amina", updatedAt: Date.now(), actions: ["cancelled"], chatId: "dm-1", outcome: null, busy: false,
    };
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "get_snapshot") return snapshot({ myBookings: { rows: [row], error: null } });
      if (cmd === "booking_timeline") {
        asked.push(args);
        return [
          { status: "pending", by: null, at: Date.now() - 60_000 },
          { status: "confirmed", by: "Amina", at: Date.now() },
        ];
      }
      return null;
    }, { shouldMockEvents: true });
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Bookings" }));
    const history = screen.getByText("History").closest("details") as HTMLDetailsElement;
    history.open = true;
    fireEvent(history, new Event("toggle"));
    const changes = await screen.findByRole("list", { name: "Status changes" });
    expect(changes.textContent).toContain("Pending");
    expect(changes.textContent).toContain("Confirmed by Amina");
    expect(asked).toEqual([{ bookingId: "b1" }]);
  });

  it("offers an update, installs it on request, and says why one was refused", async () => {
    const update = { current: "0.1.0", available: "0.1.1", installing: false, error: null };
    const calls = backend(snapshot({ update }));
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Install and restart" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "install_update")).toBe(true));
    const { emit } = await import("@tauri-apps/api/event");
    const error = "The update was refused: its signature does not match this app's key (invalid signature).";
    await act(async () => {
      await emit("snapshot", snapshot({ update: { ...update, error } }));
    });
    expect(screen.getByRole("alert").textContent).toContain("refused: its signature");
    expect(screen.getByRole("alert").textContent).toContain("Still running 0.1.0");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  it("says so when there are no conversations, while loading, and when a linked chat is not the user's", async () => {
    backend(snapshot({ myChats: { rows: [], hasMore: false, error: null, open: null } }));
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Chats" }));
    expect(screen.getByText(/No conversations yet/)).toBeTruthy();
    const { emit } = await import("@tauri-apps/api/event");
    await act(async () => {
      await emit("snapshot", snapshot({ myChats: { rows: null, hasMore: false, error: "the server answered 503", open: null } }));
    });
    expect(screen.getByText(/Couldn't load your conversations: the server answered 503/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
    const open = { id: "dm-x", title: null, messages: [], loading: false, hasOlder: false, error: "not found" };
    await act(async () => {
      await emit("focus-item", "chat:dm-x");
      await emit("snapshot", snapshot({ myChats: { rows: [], hasMore: false, error: null, open } }));
    });
    expect(screen.getByRole("alert").textContent).toContain("not found among your conversations");
    expect(screen.queryByLabelText(/Reply to/)).toBeNull();
  });

  it("lists the user's bookings with the moves each allows, and acts through the backend", async () => {
    const row: BookingRow = {
      id: "b1", title: "Canon EOS R6", status: "pending", otherPartyId: "renter-jean", otherPartyName: "Jean",
      changedByName: null, updatedAt: Date.now(), actions: ["confirmed", "rejected", "cancelled"], chatId: "dm-1",
      outcome: null, busy: false,
    };
    const calls = backend(snapshot({ myBookings: { rows: [row], error: null } }));
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Bookings" }));
    const item = screen.getByRole("listitem", { name: "Canon EOS R6, Pending" });
    expect(item.textContent).toContain("with Jean");
    expect([...item.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Confirm", "Decline", "Cancel", "Message"]);
    fireEvent.click(screen.getByRole("button", { name: "Decline Canon EOS R6" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "update_booking")).toBe(true));
    expect(calls.find((c) => c.cmd === "update_booking")?.args).toEqual({ bookingId: "b1", status: "rejected" });
    // "Message" writes to the other party, in the chat the row names.
    fireEvent.click(screen.getByRole("button", { name: "Message Jean about Canon EOS R6" }));
    fireEvent.change(screen.getByLabelText("Message to Jean"), { target: { value: "Is 9:00 fine for pickup?" } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "message_user")).toBe(true));
    expect(calls.find((c) => c.cmd === "message_user")?.args).toEqual({
      toUserId: "renter-jean",
      chatId: "dm-1",
      message: "Is 9:00 fine for pickup?",
    });
    expect(screen.queryByLabelText("Message to Jean")).toBeNull();
  });

  it("mutes one booking for a while and unmutes it", async () => {
    const row: BookingRow = {
      id: "b1", title: "Canon EOS R6", status: "confirmed", otherPartyId: "renter-jean", otherPartyName: "Jean",
      changedByName: null, updatedAt: Date.now(), actions: ["cancelled"], chatId: "dm-1", outcome: null, busy: false,
    };
    const calls = backend(snapshot({ myBookings: { rows: [row], error: null } }));
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Bookings" }));
    const before = Date.now();
    fireEvent.change(screen.getByRole("combobox", { name: "Mute Canon EOS R6" }), { target: { value: "8" } });
    await waitFor(() => expect(calls.some((c) => c.cmd === "set_preferences")).toBe(true));
    const sent = (calls.find((c) => c.cmd === "set_preferences")?.args as { preferences: { muted: Record<string, number> } })
      .preferences.muted;
    expect(sent["booking:b1"]).toBeGreaterThanOrEqual(before + 8 * 3_600_000);
    // Shown at once: muted, with a way back.
    fireEvent.click(await screen.findByRole("button", { name: "Unmute Canon EOS R6" }));
    await waitFor(() => {
      const sets = calls.filter((c) => c.cmd === "set_preferences");
      expect((sets[sets.length - 1].args as { preferences: { muted: object } }).preferences.muted).toEqual({});
    });
    expect(screen.getByRole("combobox", { name: "Mute Canon EOS R6" })).toBeTruthy();
  });

  it("shows a conversation a link opened without reading it until the person looks", async () => {
    const rows = [{ id: "dm-1", otherPartyId: "renter-jean", otherPartyName: "Jean", lastMessage: "Free?", lastFromMe: false, lastAt: Date.now(), unread: 2 }];
    const hasFocus = vi.spyOn(document, "hasFocus").mockReturnValue(false);
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "get_snapshot") return snapshot({ myChats: { rows, hasMore: false, error: null, open: null } });
      if (cmd === "take_focus_item") return "chat-link:dm-1";
      return null;
    }, { shouldMockEvents: true });
    render(<App />);
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "open_chat")?.args).toEqual({ chatId: "dm-1", markRead: false }),
    );
    // The window came up behind others: nothing is read.
    await act(async () => {
      window.dispatchEvent(new Event("focus"));
    });
    expect(calls.some((c) => c.cmd === "read_chat" || c.cmd === "mark_read")).toBe(false);
    // The person brings it to the front: now it is read.
    hasFocus.mockReturnValue(true);
    await act(async () => {
      window.dispatchEvent(new Event("focus"));
    });
    await waitFor(() => expect(calls.find((c) => c.cmd === "read_chat")?.args).toEqual({ chatId: "dm-1" }));
    expect(calls.filter((c) => c.cmd === "read_chat")).toHaveLength(1);
    hasFocus.mockRestore();
  });

  it("reads a linked conversation when the person acts in the window, and a popup's at once", async () => {
    const hasFocus = vi.spyOn(document, "hasFocus").mockReturnValue(false);
    for (const [focus, markRead] of [["chat-link:dm-2", false], ["chat:dm-2", true]] as const) {
      const calls: { cmd: string; args: unknown }[] = [];
      mockIPC((cmd, args) => {
        calls.push({ cmd, args });
        if (cmd === "get_snapshot") return snapshot();
        if (cmd === "take_focus_item") return focus;
        return null;
      }, { shouldMockEvents: true });
      render(<App />);
      await waitFor(() => expect(calls.find((c) => c.cmd === "open_chat")?.args).toEqual({ chatId: "dm-2", markRead }));
      if (!markRead) {
        expect(calls.some((c) => c.cmd === "read_chat")).toBe(false);
        fireEvent.keyDown(window, { key: "ArrowDown" });
        await waitFor(() => expect(calls.find((c) => c.cmd === "read_chat")?.args).toEqual({ chatId: "dm-2" }));
      } else {
        expect(calls.some((c) => c.cmd === "read_chat")).toBe(false);
      }
      cleanup();
      clearMocks();
    }
    hasFocus.mockRestore();
  });

  it("reads a message that came to the open conversation behind other windows once the person looks", async () => {
    const row = (unread: number) => ({
      id: "dm-3", otherPartyId: "renter-jean", otherPartyName: "Jean", lastMessage: "Still there?", lastFromMe: false, lastAt: Date.now(), unread,
    });
    const open = { id: "dm-3", title: "Jean", messages: [], loading: false, hasOlder: false, error: null };
    const hasFocus = vi.spyOn(document, "hasFocus").mockReturnValue(true);
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "get_snapshot") return snapshot({ myChats: { rows: [row(0)], hasMore: false, error: null, open } });
      if (cmd === "take_focus_item") return "chat:dm-3";
      return null;
    }, { shouldMockEvents: true });
    const { emit } = await import("@tauri-apps/api/event");
    render(<App />);
    await waitFor(() => expect(calls.some((c) => c.cmd === "open_chat")).toBe(true));
    expect(calls.some((c) => c.cmd === "read_chat")).toBe(false);
    // The window goes behind others; a message comes and counts.
    hasFocus.mockReturnValue(false);
    await act(async () => {
      await emit("snapshot", snapshot({ myChats: { rows: [row(1)], hasMore: false, error: null, open } }));
    });
    expect(calls.some((c) => c.cmd === "read_chat")).toBe(false);
    // The person brings the window to the front: the message is read.
    hasFocus.mockReturnValue(true);
    await act(async () => {
      window.dispatchEvent(new Event("focus"));
    });
    await waitFor(() => expect(calls.find((c) => c.cmd === "read_chat")?.args).toEqual({ chatId: "dm-3" }));
    hasFocus.mockRestore();
  });

  it("opens at the booking a link names, and says when it is not the user's", async () => {
    const row: BookingRow = {
      id: "b1", title: "Canon EOS R6", status: "pending", otherPartyId: "renter-jean", otherPartyName: "Jean",
      changedByName: null, updatedAt: Date.now(), actions: ["confirmed"], chatId: "dm-1", outcome: null, busy: false,
    };
    for (const [focus, found] of [["booking:b1", true], ["booking:b9", false]] as const) {
      mockIPC((cmd) => {
        if (cmd === "get_snapshot") return snapshot({ myBookings: { rows: [row], error: null } });
        if (cmd === "take_focus_item") return focus;
        return null;
      }, { shouldMockEvents: true });
      render(<App />);
      const item = await screen.findByRole("listitem", { name: "Canon EOS R6, Pending" });
      expect(item.getAttribute("aria-current")).toBe(found ? "true" : null);
      expect(screen.queryByText(/was not found among your bookings/) !== null).toBe(!found);
      cleanup();
      clearMocks();
    }
  });

  it("says what became of a click, and shows empty, loading and failed lists", async () => {
    const late: BookingRow = {
      id: "b1", title: null, status: "cancelled", otherPartyId: "renter-jean", otherPartyName: "Jean",
      changedByName: "Jean", updatedAt: Date.now(), actions: [], chatId: "dm-1",
      outcome: "Already cancelled by Jean.", busy: false,
    };
    backend(snapshot({ myBookings: { rows: [late], error: null } }));
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Bookings" }));
    expect(screen.getByText("Already cancelled by Jean.").getAttribute("role")).toBe("status");
    const over = screen.getByRole("listitem", { name: "Booking b1, Cancelled" });
    expect([...over.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Message"]);
    const { emit } = await import("@tauri-apps/api/event");
    await act(async () => {
      await emit("snapshot", snapshot({ myBookings: { rows: [], error: null } }));
    });
    expect(screen.getByText(/No bookings yet/)).toBeTruthy();
    await act(async () => {
      await emit("snapshot", snapshot({ myBookings: { rows: null, error: null } }));
    });
    expect(screen.getByText("Loading your bookings…")).toBeTruthy();
    await act(async () => {
      await emit("snapshot", snapshot({ myBookings: { rows: null, error: "the server answered 503" } }));
    });
    expect(screen.getByText(/Couldn't load your bookings: the server answered 503/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  it("changes notification preferences and quiet hours through the backend, and opens Settings from the tray", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "get_snapshot") return snapshot();
      if (cmd === "take_focus_item") return "view:settings";
      return null;
    }, { shouldMockEvents: true });
    render(<App />);
    // The tray's "Settings…" opens the window at this view.
    const sound = await screen.findByRole("checkbox", { name: "Sound for messages" });
    fireEvent.click(sound);
    await waitFor(() => expect(calls.some((c) => c.cmd === "set_preferences")).toBe(true));
    const sent = (calls.find((c) => c.cmd === "set_preferences")?.args as { preferences: { messages: unknown } }).preferences;
    expect(sent.messages).toEqual({ popup: true, sound: false, badge: true });
    expect((screen.getByLabelText("From") as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole("checkbox", { name: /Quiet hours/ }));
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "21:30" } });
    fireEvent.click(screen.getByRole("checkbox", { name: "Sun" }));
    await waitFor(() => {
      const sets = calls.filter((c) => c.cmd === "set_preferences");
      const last = sets[sets.length - 1]?.args as {
        preferences: { quietHours: { enabled: boolean; start: string; days: number[] } };
      };
      expect(last.preferences.quietHours).toMatchObject({ enabled: true, start: "21:30", days: [0, 1, 2, 3, 4, 5] });
    });
  });

  it("applies snapshots pushed by the backend", async () => {
    backend(snapshot());
    render(<App />);
    await screen.findByText("Booking confirmed");
    const { emit } = await import("@tauri-apps/api/event");
    await act(async () => {
      await emit("snapshot", snapshot({ items: [], unreadCount: 0 }));
    });
    expect(await screen.findByText(/No notifications yet/)).toBeTruthy();
  });
});

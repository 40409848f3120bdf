// The only module that talks to the Rust side.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { getCurrentWindow } from "@tauri-apps/api/window";
import type { Snapshot } from "./generated/Snapshot";
import type { Preferences } from "./generated/Preferences";
import type { BookingChange } from "./generated/BookingChange";
import type { BookingRow } from "./generated/BookingRow";

/** A booking status, as the protocol names it. */
export type BookingStatus = BookingRow["status"];

export const getSnapshot = () => invoke<Snapshot>("get_snapshot");
export const takeFocusItem = () => invoke<string | null>("take_focus_item");
export const markRead = (ids: string[]) => invoke<void>("mark_read", { ids });
export const markAllRead = () => invoke<void>("mark_all_read");
export const clearAll = () => invoke<void>("clear_all");
export const sendMessage = (chatId: string, message: string) => invoke<void>("send_message", { chatId, message });
export const signIn = (serverUrl: string, token: string) => invoke<void>("sign_in", { serverUrl, token });
export const signInWithBrowser = (serverUrl: string, issuer: string) =>
  invoke<void>("sign_in_with_browser", { serverUrl, issuer });
export const cancelSignIn = () => invoke<void>("cancel_sign_in");
export const signOut = () => invoke<void>("sign_out");
export const setTheme = (theme: string) => invoke<void>("set_theme", { theme });
export const setMuted = (muted: boolean) => invoke<void>("set_muted", { muted });
export const setDnd = (mode: "hour" | "tomorrow" | "off") => invoke<void>("set_dnd", { mode });
export const reconnect = () => invoke<void>("reconnect");
export const updateBooking = (bookingId: string, status: BookingStatus) =>
  invoke<void>("update_booking", { bookingId, status });
export const bookingTimeline = (bookingId: string) => invoke<BookingChange[]>("booking_timeline", { bookingId });
export const reloadBookings = () => invoke<void>("reload_bookings");
export const messageUser = (toUserId: string, chatId: string, message: string) =>
  invoke<void>("message_user", { toUserId, chatId, message });
/** `markRead`: the person opened it (a click, a popup), not a link. */
export const openChat = (chatId: string, markRead: boolean) => invoke<void>("open_chat", { chatId, markRead });
/** The person is looking at the open conversation: read it everywhere. */
export const readChat = (chatId: string) => invoke<void>("read_chat", { chatId });
export const loadOlderMessages = () => invoke<void>("load_older_messages");
export const loadMoreChats = () => invoke<void>("load_more_chats");
export const reloadChats = () => invoke<void>("reload_chats");
export const openOnWeb = (kind: "booking" | "chat" | "notification", id: string) =>
  invoke<void>("open_on_web", { kind, id });
export const installUpdate = () => invoke<void>("install_update");
export const setStartAtLogin = (on: boolean) => invoke<void>("set_start_at_login", { on });
export const setWebUrl = (url: string) => invoke<void>("set_web_url", { url });
export const setPreferences = (preferences: Preferences) => invoke<void>("set_preferences", { preferences });

export const onSnapshot = (handler: (s: Snapshot) => void): Promise<UnlistenFn> =>
  listen<Snapshot>("snapshot", (e) => handler(e.payload));
export const onFocusItem = (handler: (id: string) => void): Promise<UnlistenFn> =>
  listen<string>("focus-item", (e) => handler(e.payload));

/** Closes the window; the app stays in the tray and the webview is freed. */
export const closeWindow = () => getCurrentWindow().close();

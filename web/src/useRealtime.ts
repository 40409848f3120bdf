// The seed's `useRealtime()`: the socket, whether it is connected, and the
// client events, each resolving with the server's reply.
import { useCallback, useMemo, useSyncExternalStore } from "react";
import type { BookingUpdate } from "./generated/BookingUpdate.js";
import type { BookingUpdated } from "./generated/BookingUpdated.js";
import type { Message } from "./generated/Message.js";
import type { MessageSent } from "./generated/MessageSent.js";
import type { NotificationSent } from "./generated/NotificationSent.js";
import type { SendNotification } from "./generated/SendNotification.js";
import { useShared } from "./RealtimeProvider.js";

/** Room kinds a user can join by id, as in the seed's `joinRoom(id, 'booking')`. */
export type RoomType = "booking" | "chat";

export function useRealtime() {
  const { client } = useShared("useRealtime");
  const state = useSyncExternalStore(client.subscribe, () => client.state);
  const user = useSyncExternalStore(client.subscribe, () => client.user);
  const joinRoom = useCallback((id: string, type?: RoomType) => client.join(id, type), [client]);
  const leaveRoom = useCallback((id: string, type?: RoomType) => client.leave(id, type), [client]);
  const sendMessage = useCallback((message: Message) => client.request<MessageSent>("message", message), [client]);
  const updateBooking = useCallback(
    (update: BookingUpdate) => client.request<BookingUpdated>("booking-update", update),
    [client],
  );
  const sendNotification = useCallback(
    (notification: SendNotification) => client.request<NotificationSent>("send-notification", notification),
    [client],
  );
  const reconnect = useCallback(() => client.reconnect(), [client]);
  const setToken = useCallback((token: string | null) => client.setToken(token), [client]);
  return useMemo(
    () => ({
      socket: client.socket,
      isConnected: state === "connected",
      connectionState: state,
      user,
      joinRoom,
      leaveRoom,
      sendMessage,
      updateBooking,
      sendNotification,
      reconnect,
      setToken,
    }),
    [client, state, user, joinRoom, leaveRoom, sendMessage, updateBooking, sendNotification, reconnect, setToken],
  );
}

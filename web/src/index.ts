// @urutibiz/realtime-react: the seed's hooks and bell for the UrutiBiz
// realtime server's Socket.IO endpoint.
export { RealtimeProvider, type RealtimeProviderProps } from "./RealtimeProvider.js";
export { useRealtime, type RoomType } from "./useRealtime.js";
export { useNotifications } from "./useNotifications.js";
export { RealtimeNotifications, type RealtimeNotificationsProps } from "./RealtimeNotifications.js";
export {
  RealtimeClient,
  RealtimeError,
  DEFAULT_TOKEN_KEY,
  type ConnectionState,
  type RealtimeOptions,
} from "./client.js";
export { NotificationStore, applyRead, addLive, type NotificationItem, type NotificationsSnapshot } from "./notifications.js";
export type { Authenticated } from "./generated/Authenticated.js";
export type { BookingStatus } from "./generated/BookingStatus.js";
export type { BookingStatusChanged } from "./generated/BookingStatusChanged.js";
export type { BookingUpdate } from "./generated/BookingUpdate.js";
export type { BookingUpdated } from "./generated/BookingUpdated.js";
export type { ErrorCode } from "./generated/ErrorCode.js";
export type { Message } from "./generated/Message.js";
export type { MessageSent } from "./generated/MessageSent.js";
export type { NewMessage } from "./generated/NewMessage.js";
export type { Notification } from "./generated/Notification.js";
export type { NotificationSent } from "./generated/NotificationSent.js";
export type { NotificationsRead } from "./generated/NotificationsRead.js";
export type { SendNotification } from "./generated/SendNotification.js";

// The seed's `useNotifications()`: history, the server's unread count, and
// read state shared with the user's other devices.
import { useMemo, useSyncExternalStore } from "react";
import { useShared } from "./RealtimeProvider.js";

export function useNotifications() {
  const { notifications: store } = useShared("useNotifications");
  const snapshot = useSyncExternalStore(store.subscribe, store.get);
  return useMemo(
    () => ({
      ...snapshot,
      markAsRead: (id: string) => store.markAsRead(id),
      markAllAsRead: () => store.markAllAsRead(),
      clearAll: () => store.clearAll(),
      loadMore: () => store.loadMore(),
      reload: () => store.reload(),
    }),
    [snapshot, store],
  );
}

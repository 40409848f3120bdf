// One client for the page: every hook below the provider shares its socket.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { RealtimeClient, type RealtimeOptions } from "./client.js";
import { NotificationStore } from "./notifications.js";

interface Shared {
  client: RealtimeClient;
  notifications: NotificationStore;
}

const Context = createContext<Shared | null>(null);

export type RealtimeProviderProps = RealtimeOptions & {
  children?: ReactNode;
  /** A client made elsewhere (tests, or to use it outside React too). */
  client?: RealtimeClient;
};

export function RealtimeProvider({ children, client, ...options }: RealtimeProviderProps) {
  const [shared] = useState<Shared>(() => {
    const c = client ?? new RealtimeClient(options);
    return { client: c, notifications: new NotificationStore(c) };
  });
  useEffect(() => {
    shared.client.connect();
    return () => shared.client.close();
  }, [shared]);
  return <Context.Provider value={shared}>{children}</Context.Provider>;
}

export function useShared(hook: string): Shared {
  const shared = useContext(Context);
  if (!shared) throw new Error(`${hook} must be used inside <RealtimeProvider url="…">`);
  return shared;
}

// One connection to the realtime server's Socket.IO endpoint, shared by
// every hook under a <RealtimeProvider>: the token, the position to resume
// from, rooms to re-join, and requests answered through acknowledgements.
import { io, type Socket } from "socket.io-client";
import type { Authenticated } from "./generated/Authenticated.js";
import type { ErrorCode } from "./generated/ErrorCode.js";
import type { Error as ErrorPayload } from "./generated/Error.js";
import type { Resumed } from "./generated/Resumed.js";

/** Where the seed kept the token; read only with `tokenStorage: "localStorage"`. */
export const DEFAULT_TOKEN_KEY = "token";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "signed-out";

export interface RealtimeOptions {
  /** The realtime server's base URL, e.g. `https://rt.example.com`. */
  url: string;
  /**
   * The user's JWT, from the site's own sign-in (its auth SDK's getter).
   * Called before every (re)connection and before the token runs out, so a
   * fresh one is picked up. Without it, the token is the one handed to
   * `setToken()` (see `tokenStorage`).
   */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Where the token handed to `setToken()` is kept when there is no
   * `getToken`. `"memory"` (the default): in this page only, gone with it.
   * `"localStorage"`: `localStorage.token`, as the seed kept it, so a reload
   * stays signed in; any script that gets injected into the site can read
   * it there, a bearer token valid for as long as it lives. Opt in knowingly.
   */
  tokenStorage?: "memory" | "localStorage";
  /** Socket.IO transports; default WebSocket first, long-polling as fallback. */
  transports?: ("websocket" | "polling")[];
  /** Longest wait for a request's answer, ms. */
  requestTimeoutMs?: number;
}

/** A request the server refused: its `code` is the protocol's error code. */
export class RealtimeError extends Error {
  constructor(
    readonly code: ErrorCode | "timeout" | "offline" | "http",
    message: string,
  ) {
    super(message);
    this.name = "RealtimeError";
  }
}

type Listener = () => void;

/** The token `setToken()` keeps: in memory, or in `localStorage` by opt-in. */
class TokenHolder {
  private token: string | null = null;

  constructor(private readonly storage: "memory" | "localStorage") {}

  get = (): string | null => {
    if (this.storage === "memory") return this.token;
    try {
      return globalThis.localStorage?.getItem(DEFAULT_TOKEN_KEY) ?? null;
    } catch {
      return null; // storage disabled (privacy mode)
    }
  };

  set(token: string | null): void {
    if (this.storage === "memory") {
      this.token = token;
      return;
    }
    try {
      if (token === null) globalThis.localStorage?.removeItem(DEFAULT_TOKEN_KEY);
      else globalThis.localStorage?.setItem(DEFAULT_TOKEN_KEY, token);
    } catch {
      this.token = token; // storage disabled: this page only
    }
  }
}

/** A Socket.IO event's last argument, when it is the event's position. */
function positionOf(args: unknown[]): number | null {
  if (args.length < 2) return null;
  const last = args[args.length - 1];
  return typeof last === "string" && /^[0-9]+$/.test(last) ? Number(last) : null;
}

export class RealtimeClient {
  /** The Socket.IO socket, for `socket.on('new-message', …)` as in the seed. */
  readonly socket: Socket;
  readonly url: string;
  private readonly getToken: NonNullable<RealtimeOptions["getToken"]>;
  private readonly held: TokenHolder;
  private readonly requestTimeoutMs: number;
  private stateValue: ConnectionState = "connecting";
  private userValue: Authenticated | null = null;
  private listeners = new Set<Listener>();
  /** The newest position seen: handed back at the next handshake. */
  private position = 0;
  private rooms = new Map<string, { room: string; type?: string }>();
  private tokenInUse: string | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(options: RealtimeOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.held = new TokenHolder(options.tokenStorage ?? "memory");
    this.getToken = options.getToken ?? this.held.get;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.socket = io(this.url, {
      autoConnect: false,
      transports: options.transports ?? ["websocket", "polling"],
      // Called by Socket.IO before every connection attempt.
      auth: (cb) => {
        void Promise.resolve(this.getToken()).then(
          (token) => {
            this.tokenInUse = token ?? null;
            cb(this.position > 0 ? { token, offset: String(this.position) } : { token });
          },
          () => cb({}),
        );
      },
    });
    this.socket.onAny((_event: string, ...args: unknown[]) => {
      const seq = positionOf(args);
      if (seq !== null && seq > this.position) this.position = seq;
    });
    this.socket.on("authenticated", (hello: Authenticated) => this.onAuthenticated(hello));
    this.socket.on("resumed", (done: Resumed) => {
      if (done.seq > this.position) this.position = done.seq;
    });
    this.socket.on("connect_error", () => {
      // A refused handshake (bad or missing token) is final until the app
      // has a new token; a network failure is retried by Socket.IO.
      this.setState(this.socket.active ? "reconnecting" : "signed-out");
    });
    this.socket.on("disconnect", (reason) => {
      clearTimeout(this.refreshTimer);
      if (this.closed) return;
      if (reason === "io server disconnect") {
        // The server ended the session (token expired, abuse): try once
        // more only if the app has another token by now.
        void this.retryWithFreshToken();
      } else {
        this.setState("reconnecting");
      }
    });
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Who is signed in, from the server's `authenticated`. */
  get user(): Authenticated | null {
    return this.userValue;
  }

  /** Called on every change of `state` or `user`; returns the unsubscribe. */
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  connect(): void {
    this.closed = false;
    if (!this.socket.connected) {
      this.setState("connecting");
      this.socket.connect();
    }
  }

  /**
   * Hands over the user's token when there is no `getToken` (kept as
   * `tokenStorage` says); `null` forgets it. Connects with it if signed out.
   */
  setToken(token: string | null): void {
    this.held.set(token);
    if (token && this.stateValue === "signed-out" && !this.closed) this.connect();
  }

  /** Signs in again, e.g. after the app stored a new token. */
  reconnect(): void {
    this.socket.disconnect();
    this.position = 0;
    this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.refreshTimer);
    this.socket.disconnect();
  }

  /**
   * Sends an event and resolves with the server's reply payload (the ack);
   * rejects with a RealtimeError carrying the protocol's error code.
   */
  async request<T>(event: string, ...args: unknown[]): Promise<T> {
    if (!this.socket.connected) throw new RealtimeError("offline", "not connected to the realtime server");
    let reply: unknown;
    try {
      reply = await this.socket.timeout(this.requestTimeoutMs).emitWithAck(event, ...args);
    } catch {
      throw new RealtimeError("timeout", `no answer to ${event} in time`);
    }
    if (reply && typeof reply === "object" && "error" in reply) {
      const { code, message } = (reply as { error: Pick<ErrorPayload, "code" | "message"> }).error;
      throw new RealtimeError(code, message);
    }
    return reply as T;
  }

  /** Joins a room now and again after every reconnection. */
  async join(room: string, type?: string): Promise<string> {
    const payload = type ? { room, type } : { room };
    this.rooms.set(type ? `${type}-${room}` : room, payload);
    const { room: name } = await this.request<{ room: string }>("join", payload);
    return name;
  }

  async leave(room: string, type?: string): Promise<string> {
    this.rooms.delete(type ? `${type}-${room}` : room);
    const payload = type ? { room, type } : { room };
    const { room: name } = await this.request<{ room: string }>("leave", payload);
    return name;
  }

  /** A call to the server's user HTTP API with the current token. */
  async http<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    const token = await this.getToken();
    if (!token) throw new RealtimeError("unauthorized", "no token");
    const res = await fetch(this.url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const error = json?.error ?? {};
      throw new RealtimeError(error.code ?? "http", error.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }

  private onAuthenticated(hello: Authenticated): void {
    // A first connection starts at the newest position; later ones resume.
    if (this.position === 0) this.position = hello.headSeq;
    this.userValue = hello;
    this.setState("connected");
    for (const payload of this.rooms.values()) {
      this.socket.emit("join", payload);
    }
    this.scheduleRefresh(hello.expiresAt);
  }

  /** A minute before `exp`, hands the server a fresh token if there is one. */
  private scheduleRefresh(expiresAt: number): void {
    clearTimeout(this.refreshTimer);
    const wait = Math.max(5_000, expiresAt * 1000 - Date.now() - 60_000);
    this.refreshTimer = setTimeout(async () => {
      const token = await this.getToken();
      if (token && token !== this.tokenInUse && this.socket.connected) {
        this.tokenInUse = token;
        // Acknowledged, so the answer does not look like a new session.
        const renewed = await this.request<Authenticated>("authenticate", { token }).catch(() => null);
        if (renewed) this.scheduleRefresh(renewed.expiresAt);
      }
    }, Math.min(wait, 2 ** 31 - 1));
  }

  private async retryWithFreshToken(): Promise<void> {
    const token = await Promise.resolve(this.getToken()).catch(() => null);
    if (token && token !== this.tokenInUse && !this.closed) {
      this.connect();
    } else {
      this.setState("signed-out");
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.stateValue && state !== "connected") return;
    this.stateValue = state;
    for (const listener of this.listeners) listener();
  }
}

import { io } from "socket.io-client";
import { startServer, token, next } from "./tests/support/server.mjs";
const server = await startServer({flags: ["--first-contact-chats"]});
const s = io(server.url, { auth: { token: token("u-x", "renter", {name: "u-x name"}) }, transports: ["websocket"], reconnection: false, forceNew: true });
s.onAny((e, ...a) => console.log("<-", e, JSON.stringify(a)));
await next(s, "authenticated");
console.log(await server.api("POST", "/api/v1/publish", { room: "user-u-x", event: "notification", data: { title: "Payout sent", body: "RWF" } }));
await new Promise(r => setTimeout(r, 1000));
s.close(); await server.stop(); console.log(server.log());

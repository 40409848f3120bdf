// The official socket.io-client (from npm) against a real server process:
// the handshake, rooms, every seed event both ways, acknowledgements, one
// publish reaching a native WebSocket and a Socket.IO tab once each, read
// state between them, reconnecting with the offset (also across a server
// restart), and what bad clients get.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { io } from "socket.io-client";
import WebSocket from "ws";
import { startServer, token, next, serverBin } from "../support/server.mjs";

let server;
before(async () => {
  server = await startServer({ flags: ["--first-contact-chats"] });
});
after(async () => {
  await server?.stop();
});

const sockets = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

function connect(auth, options = {}) {
  const s = io(server.url, { auth, transports: ["websocket"], reconnection: false, forceNew: true, ...options });
  sockets.push(s);
  return s;
}

/** A connected Socket.IO client and its `authenticated` payload. */
async function signedIn(user, role, options) {
  const s = connect({ token: token(user, role, { name: `${user} name` }) }, options);
  const [hello] = await next(s, "authenticated");
  return [s, hello];
}

/** Collects every event a socket receives, with all its arguments. */
function record(s) {
  const seen = [];
  s.onAny((event, ...args) => seen.push({ event, args }));
  return seen;
}

const pause = (ms) => new Promise((ok) => setTimeout(ok, ms));

test("the handshake's auth token signs in; refusals are connect_error with the reason", async () => {
  const [, hello] = await signedIn("u-hand", "renter");
  assert.equal(hello.userId, "u-hand");
  assert.deepEqual(hello.rooms, ["role-renter", "user-u-hand"]);
  assert.equal(typeof hello.headSeq, "number");

  const refusal = async (auth) => (await next(connect(auth), "connect_error"))[0].message;
  assert.equal(await refusal(undefined), "missing token");
  assert.equal(await refusal({ token: "" }), "missing token");
  assert.equal(await refusal({ token: "not.a.jwt" }), "malformed token");
  const foreign = execFileSync(serverBin, [
    "token", "--jwt-secret", "a-secret-this-server-has-never-heard-of-at-all", "--sub", "u1", "--role", "host",
  ]).toString().trim();
  assert.equal(await refusal({ token: foreign }), "invalid signature");
  assert.equal(await refusal({ token: token("u1", "host"), offset: "yesterday" }), "`offset` must be 0 or a position the server sent");
});

test("every seed event, both ways, with and without acknowledgements", async () => {
  const put = await server.api("PUT", "/api/v1/bookings/bk-seed", { hostId: "h-seed", renterId: "r-seed", status: "pending", title: "Canon EOS R6" });
  assert.equal(put.status, 201);
  const [host] = await signedIn("h-seed", "host");
  const [renter] = await signedIn("r-seed", "renter");
  const [admin] = await signedIn("a-seed", "admin");
  const renterSaw = record(renter);

  // join: the seed's joinRoom(bookingId, 'booking'), and a full room name.
  assert.deepEqual(await renter.timeout(3000).emitWithAck("join", "bk-seed", "booking"), { room: "booking-bk-seed" });
  assert.deepEqual(await host.timeout(3000).emitWithAck("join", { room: "booking-bk-seed" }), { room: "booking-bk-seed" });
  host.emit("join", { room: "bk-seed", type: "booking" });
  assert.deepEqual((await next(host, "joined"))[0], { room: "booking-bk-seed" });

  // message -> new-message for the recipient, message-sent for the sender.
  const delivered = next(host, "new-message");
  renter.emit("message", { toUserId: "h-seed", message: "Is it free on Friday?" });
  const [sent] = await next(renter, "message-sent");
  const [incoming, offset] = await delivered;
  assert.equal(incoming.message, "Is it free on Friday?");
  assert.equal(incoming.chatId, sent.chatId);
  assert.match(offset, /^[0-9]+$/, "stored events carry their position last");
  // The seed's way of matching replies: a `ref` inside the payload comes back in the reply's.
  renter.emit("message", { toUserId: "h-seed", message: "And Saturday?", ref: "m-2" });
  assert.equal((await next(renter, "message-sent", { where: (m) => m.ref === "m-2" }))[0].chatId, sent.chatId);
  renter.emit("join", { room: "booking-nope", ref: "j-9" });
  assert.deepEqual((await next(renter, "error"))[0], { code: "forbidden", message: "not allowed to join this room", ref: "j-9" });

  // booking-update (acknowledged) -> booking-status-changed in the room.
  const changed = next(renter, "booking-status-changed");
  const ack = await host.timeout(3000).emitWithAck("booking-update", { bookingId: "bk-seed", status: "confirmed" });
  assert.equal(ack.status, "confirmed");
  assert.equal((await changed)[0].status, "confirmed");

  // send-notification (admins) -> notification.
  const notified = next(renter, "notification", { where: (n) => n.title === "Welcome" });
  const receipt = await admin.timeout(3000).emitWithAck("send-notification", { toUserId: "r-seed", title: "Welcome", body: "Verified" });
  assert.equal(receipt.toUserId, "r-seed");
  const [note] = await notified;
  assert.equal(note.id, receipt.id);

  // authenticate with a fresh token: authenticated again.
  const again = await renter.timeout(3000).emitWithAck("authenticate", { token: token("r-seed", "renter") });
  assert.equal(again.userId, "r-seed");

  // Refusals: an ack gets {error}, a plain emit gets an `error` event
  // without the endpoint's internal ref.
  assert.deepEqual(await renter.timeout(3000).emitWithAck("fly-to-the-moon", {}), {
    error: { code: "unknown-event", message: "unknown event" },
  });
  renter.emit("booking-update", { bookingId: "bk-seed", status: "completed" });
  const [refused] = await next(renter, "error");
  assert.equal(refused.code, "invalid-transition");
  assert.equal(refused.ref, undefined);

  // leave, in the seed's shape.
  assert.deepEqual(await renter.timeout(3000).emitWithAck("leave", "bk-seed", "booking"), { room: "booking-bk-seed" });

  const names = new Set(renterSaw.map((e) => e.event));
  // (`authenticated` came before recording began; `new-message` went to the host.)
  for (const event of ["message-sent", "booking-status-changed", "notification", "error"]) {
    assert.ok(names.has(event), `the renter saw ${event}`);
  }
});

test("a publish reaches a desktop (native) and a tab (Socket.IO) once each; read state syncs both ways", async () => {
  const user = "u-both";
  const native = new WebSocket(`${server.url.replace("http", "ws")}/ws`, {
    headers: { authorization: `Bearer ${token(user, "renter")}` },
  });
  const nativeFrames = [];
  native.on("message", (data) => nativeFrames.push(JSON.parse(data.toString())));
  await new Promise((ok, fail) => {
    native.once("error", fail);
    native.on("message", function hello(data) {
      if (JSON.parse(data.toString()).event === "authenticated") {
        native.off("message", hello);
        ok();
      }
    });
  });
  const [tab] = await signedIn(user, "renter");
  const tabSaw = record(tab);

  // Listening first: the server delivers before it answers the publish.
  const arrived = next(tab, "notification", { where: (n) => n.title === "Payout sent" });
  const published = await server.api("POST", "/api/v1/publish", {
    room: `user-${user}`, event: "notification", data: { title: "Payout sent", body: "RWF 40,000", type: "payment" },
  });
  assert.equal(published.status, 202);
  await arrived;
  await pause(300); // room for a duplicate to show up
  const inTab = tabSaw.filter((e) => e.event === "notification");
  const inApp = nativeFrames.filter((f) => f.event === "notification");
  assert.equal(inTab.length, 1, "the tab got it once");
  assert.equal(inApp.length, 1, "the desktop got it once");
  assert.equal(inTab[0].args[1], String(published.body.seq), "the tab's offset is the event's position");
  const id = inTab[0].args[0].id;
  assert.equal(inApp[0].data.id, id);

  // Read in the tab: the desktop hears it.
  const readReply = await tab.timeout(3000).emitWithAck("mark-read", { ids: [id] });
  assert.deepEqual(readReply.ids, [id]);
  assert.equal(readReply.unreadCount, 0);
  for (let i = 0; i < 50 && !nativeFrames.some((f) => f.event === "notifications-read"); i++) await pause(100);
  const heard = nativeFrames.find((f) => f.event === "notifications-read");
  assert.ok(heard, "the desktop heard the tab's read");
  assert.deepEqual(heard.data.ids, [id]);

  // Read everything on the desktop: the tab hears it.
  const second = next(tab, "notification", { where: (n) => n.title === "Second" });
  await server.api("POST", "/api/v1/publish", { room: `user-${user}`, event: "notification", data: { title: "Second", body: "" } });
  await second;
  const tabHears = next(tab, "notifications-read", { where: (r) => r.unreadCount === 0 && r.ids.length === 0 });
  native.send(JSON.stringify({ event: "mark-all-read", ref: "all" }));
  await tabHears;
  native.close();
});

test("a tab that reconnects with its offset misses nothing, also across a server restart", async () => {
  const user = "u-back";
  let last = 0;
  const seen = [];
  const tab = io(server.url, {
    transports: ["websocket"],
    forceNew: true,
    reconnectionDelay: 300,
    reconnectionDelayMax: 600,
    // Socket.IO calls this before every (re)connection.
    auth: (cb) => cb({ token: token(user, "renter"), offset: last }),
  });
  sockets.push(tab);
  tab.onAny((event, ...args) => {
    const offset = args[args.length - 1];
    if (typeof offset === "string" && /^[0-9]+$/.test(offset)) {
      last = Number(offset);
      seen.push(args[0].title);
    }
  });
  await next(tab, "authenticated");
  const publish = (title) =>
    server.api("POST", "/api/v1/publish", { room: `user-${user}`, event: "notification", data: { title, body: "" } });
  const first = next(tab, "notification", { where: (n) => n.title === "one" });
  await publish("one");
  await first;

  // The transport drops; three events are stored while the tab is away.
  const dropped = next(tab, "disconnect");
  tab.io.engine.close();
  await dropped;
  for (const title of ["two", "three", "four"]) await publish(title);
  await next(tab, "resumed", { ms: 10000 });
  await pause(200);
  assert.deepEqual(seen, ["one", "two", "three", "four"]);

  // The server restarts on the same address and database: the tab sees a
  // transport close (not a server disconnect), reconnects, and resumes.
  const bind = new URL(server.url).host;
  const reason = next(tab, "disconnect", { ms: 15000 });
  await server.stop({ keepDb: true });
  assert.equal((await reason)[0], "transport close");
  const db = server.db;
  server = await startServer({ db, bind, flags: ["--first-contact-chats"] });
  const fifth = next(tab, "notification", { ms: 15000, where: (n) => n.title === "five" });
  await publish("five"); // before or after the tab is back: replayed or live, once
  await fifth;
  await pause(200);
  assert.deepEqual(seen, ["one", "two", "three", "four", "five"]);
});

test("bad clients: Engine.IO probes, binary, oversized and flooding packets", async () => {
  const probe = async (query) => {
    const res = await fetch(`${server.url}/socket.io/?${query}`);
    return { status: res.status, body: await res.text() };
  };
  const oldVersion = await probe("EIO=3&transport=polling");
  assert.equal(oldVersion.status, 400);
  assert.match(oldVersion.body, /version/i);
  const oddTransport = await probe("EIO=4&transport=carrier-pigeon");
  assert.equal(oddTransport.status, 400);
  assert.match(oddTransport.body, /transport/i);

  const [s] = await signedIn("u-bad", "renter");
  s.emit("message", { toUserId: "u-other", message: Buffer.from([1, 2, 3]) });
  assert.equal((await next(s, "error"))[0].code, "binary-unsupported");
  assert.deepEqual(await s.timeout(3000).emitWithAck("message", Buffer.from([1])), {
    error: { code: "binary-unsupported", message: "binary attachments are not supported; send JSON" },
  });
  assert.equal((await s.timeout(3000).emitWithAck("message", {}, {})).error.code, "invalid-frame");

  // A packet over the frame cap ends that client's connection, nobody else's.
  const [bystander] = await signedIn("u-bystander", "renter");
  const gone = next(s, "disconnect");
  s.emit("message", { toUserId: "u-other", message: "x".repeat(200 * 1024) });
  await gone;
  assert.ok(bystander.connected);

  // A flood: rate-limited, then disconnected by the server.
  const [flooder] = await signedIn("u-flood", "renter");
  const warned = next(flooder, "error", { where: (e) => e.code === "rate-limited" });
  const cut = next(flooder, "disconnect", { ms: 15000 });
  for (let i = 0; i < 600; i++) flooder.emit("join", "user-u-flood");
  await warned;
  assert.equal((await cut)[0], "io server disconnect");
  assert.ok(bystander.connected, "the flood did not touch others");
});

test("a token that runs out ends the session unless the tab hands over a fresh one", async () => {
  const strict = await startServer({ flags: ["--jwt-leeway", "0s"] });
  const open = (t) => {
    const s = io(strict.url, { auth: { token: t }, transports: ["websocket"], reconnection: false, forceNew: true });
    sockets.push(s);
    return s;
  };
  try {
    const expiring = open(token("u-exp", "renter", { ttl: "2s" }));
    const renewed = open(token("u-renew", "renter", { ttl: "2s" }));
    await Promise.all([next(expiring, "authenticated"), next(renewed, "authenticated")]);
    const fresh = await renewed.timeout(3000).emitWithAck("authenticate", { token: token("u-renew", "renter", { ttl: "1h" }) });
    assert.ok(fresh.expiresAt > Date.now() / 1000 + 600, "the refresh moved expiresAt");
    const warned = next(expiring, "error", { ms: 8000 });
    const ended = next(expiring, "disconnect", { ms: 8000 });
    assert.equal((await warned)[0].code, "token-expired");
    assert.equal((await ended)[0], "io server disconnect");
    await pause(500);
    assert.ok(renewed.connected, "the refreshed tab stays");
  } finally {
    for (const s of sockets.splice(0)) s.close();
    await strict.stop();
  }
});

test("long-polling works when offered, and a polling-only client is told when it is not", async () => {
  const [polling, hello] = await signedIn("u-poll", "renter", { transports: ["polling"] });
  assert.equal(hello.userId, "u-poll");
  assert.equal(polling.io.engine.transport.name, "polling");
  const arrived = next(polling, "notification", { where: (n) => n.title === "Over polling" });
  await server.api("POST", "/api/v1/publish", { room: "user-u-poll", event: "notification", data: { title: "Over polling", body: "" } });
  await arrived;

  const strict = await startServer({ flags: ["--no-socketio-polling"] });
  try {
    const res = await fetch(`${strict.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /websocket only/);
    const refused = io(strict.url, { auth: { token: token("u-poll", "renter") }, transports: ["polling"], reconnection: false, forceNew: true });
    sockets.push(refused);
    const [err] = await next(refused, "connect_error");
    assert.ok(err instanceof Error);
    const ws = io(strict.url, { auth: { token: token("u-poll", "renter") }, transports: ["websocket"], reconnection: false, forceNew: true });
    sockets.push(ws);
    await next(ws, "authenticated");
  } finally {
    for (const s of sockets.splice(0)) s.close();
    await strict.stop();
  }
});

// The demo page in Debian's Chromium (playwright-core) against a real
// server: the bell counts a published notification; marking one read and
// then all read clears it, and a native WebSocket client of the same user
// (the desktop app's stand-in) hears each change; a read on the "desktop"
// clears the tab's badge; keyboard use; screenshots light and dark.
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { startServer, token } from "../support/server.mjs";

const root = resolve(import.meta.dirname, "../../demo/dist");
const shots = resolve(import.meta.dirname, "../../../target/web-demo");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

const site = createServer(async (req, res) => {
  const path = req.url.split("?")[0] === "/" ? "/index.html" : req.url.split("?")[0];
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((ok) => site.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${site.address().port}`;
// The page is on another origin than the server: its HTTP calls need CORS.
const server = await startServer({ flags: ["--cors-origins", origin] });
const user = "web-renter";
const publish = (title, body = "") =>
  server.api("POST", "/api/v1/publish", { room: `user-${user}`, event: "notification", data: { title, body, type: "booking" } });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
let desktop;
try {
  await publish("Booking request: Canon EOS R6", "Aline wants it Friday to Sunday");
  await publish("Payout sent", "RWF 40,000 to your mobile money");

  // The desktop app's stand-in: a native WebSocket client of the same user.
  desktop = new WebSocket(`${server.url.replace("http", "ws")}/ws`, {
    headers: { authorization: `Bearer ${token(user, "renter")}` },
  });
  const heard = [];
  desktop.on("message", (data) => heard.push(JSON.parse(data.toString())));
  await new Promise((ok, fail) => {
    desktop.once("error", fail);
    desktop.once("message", ok);
  });
  const desktopHears = async (what, check) => {
    for (let i = 0; i < 100; i++) {
      const frame = heard.find((f) => f.event === "notifications-read" && check(f.data));
      if (frame) return frame.data;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw new Error(`the desktop client never heard ${what}: ${JSON.stringify(heard)}`);
  };

  const page = await browser.newPage({ viewport: { width: 900, height: 640 } });
  page.on("pageerror", (e) => { failed = true; console.error("page error:", e); });
  const signIn = token(user, "renter", { name: "Aline Uwase" });
  await page.addInitScript((t) => localStorage.setItem("token", t), signIn);
  await page.goto(`${origin}/?server=${encodeURIComponent(server.url)}`);
  await mkdir(shots, { recursive: true });

  const badge = page.getByTestId("unread-badge");
  const bell = page.getByRole("button", { name: /^Notifications/ });
  await page.getByText("Connected as renter").waitFor();
  await badge.waitFor();
  assert.equal(await badge.textContent(), "2", "the badge shows the server's unread count");

  // A published notification: the badge counts it.
  await publish("New message from Eric", "Is the lens included?");
  await page.waitForFunction(() => document.querySelector('[data-testid="unread-badge"]')?.textContent === "3");
  assert.equal(await bell.getAttribute("aria-label"), "Notifications, 3 unread");

  // Keyboard: Enter opens the panel, focus moves to the newest item,
  // arrows move between items.
  await bell.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Notifications" });
  await dialog.waitFor();
  assert.equal(await bell.getAttribute("aria-expanded"), "true");
  assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ""), /New message from Eric/);
  await page.keyboard.press("ArrowDown");
  assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ""), /Payout sent/);
  await page.screenshot({ path: join(shots, "light.png") });

  // Mark one read with its button: badge 2, and the desktop hears it.
  await dialog.getByRole("button", { name: 'Mark "Payout sent" as read' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="unread-badge"]')?.textContent === "2");
  const one = await desktopHears("one notification read", (d) => d.ids.length === 1 && d.unreadCount === 2);
  assert.equal(one.cleared, false);

  // Mark all read: the badge goes, the desktop hears unread 0.
  await dialog.getByRole("button", { name: "Mark all read" }).click();
  await badge.waitFor({ state: "detached" });
  assert.equal(await bell.getAttribute("aria-label"), "Notifications");
  await desktopHears("mark all read", (d) => d.unreadCount === 0);
  assert.equal(await dialog.locator(".urb-item--unread").count(), 0);

  // Read on the desktop: the tab's badge follows.
  await publish("Booking confirmed", "Canon EOS R6, Friday to Sunday");
  await page.waitForFunction(() => document.querySelector('[data-testid="unread-badge"]')?.textContent === "1");
  desktop.send(JSON.stringify({ event: "mark-all-read", ref: "desktop" }));
  await badge.waitFor({ state: "detached" });

  // Escape closes the panel and gives focus back to the bell.
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-haspopup")), "dialog");

  // Dark mode, with the panel open and one unread.
  await publish("Return reminder", "Canon EOS R6 is due back tomorrow at 10:00");
  await page.waitForFunction(() => document.querySelector('[data-testid="unread-badge"]')?.textContent === "1");
  await page.getByLabel("Theme").selectOption("dark");
  await bell.click();
  await dialog.waitFor();
  assert.equal(await page.locator(".urb-bell").getAttribute("data-theme"), "dark");
  const panelBackground = await dialog.evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(panelBackground, "rgb(28, 33, 40)", "the dark panel");
  await page.screenshot({ path: join(shots, "dark.png") });

  // Clear all: the empty state; after a reload the user is still signed in
  // (token in localStorage) and history stays cleared.
  await dialog.getByRole("button", { name: "Clear all" }).click();
  await dialog.getByText("You're all caught up.").waitFor();
  await desktopHears("clear", (d) => d.cleared === true);
  await page.reload();
  await page.getByText("Connected as renter").waitFor();
  await bell.click();
  await page.getByRole("dialog", { name: "Notifications" }).getByText("You're all caught up.").waitFor();
  assert.equal(await badge.count(), 0);
  console.log(`web demo in Chromium: badge counted, read one/all synced with a native client, dark mode; screenshots in ${shots}`);
} catch (e) {
  failed = true;
  console.error(e);
  console.error(server.log());
} finally {
  desktop?.close();
  await browser.close();
  await server.stop();
  site.close();
}
process.exit(failed ? 1 : 0);

// Real-browser test of the built UI (Debian's Chromium via playwright-core)
// with Tauri IPC mocked in the page: mark one read, mark all, clear; checks
// the list and the counts, and saves screenshots under target/.
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import assert from "node:assert/strict";

const root = resolve(import.meta.dirname, "../../dist-test");
const shots = resolve(import.meta.dirname, "../../../target/ui-browser");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

const server = createServer(async (req, res) => {
  const path = req.url === "/" ? "/browser-harness.html" : req.url.split("?")[0];
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 460, height: 700 } });
  page.on("pageerror", (e) => { failed = true; console.error("page error:", e); });
  await page.goto(url);
  await mkdir(shots, { recursive: true });

  const unread = () => page.getByTestId("unread-count").textContent();
  const rows = page.locator(".item");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 5);
  assert.equal(await unread(), "5 unread");
  assert.equal(await page.locator(".item.unread").count(), 5);
  assert.deepEqual(await page.locator("h2.day").allTextContents(), ["Today", "Yesterday"]);
  await page.screenshot({ path: join(shots, "history.png") });

  // Mark one read with its button.
  await page.getByRole("button", { name: 'Mark "Message from renter-jean" as read' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="unread-count"]').textContent === "4 unread");
  assert.equal(await page.locator(".item.unread").count(), 4);
  assert.equal(await page.locator('[data-id="n4"]').getAttribute("class").then((c) => c.includes(" read")), true);

  // Keyboard: arrow down to the next row, Enter marks it read.
  await page.locator('[data-id="n5"]').focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector('[data-testid="unread-count"]').textContent === "3 unread");

  // Bookings filter shows only bookings.
  await page.getByRole("tab", { name: /Bookings/ }).click();
  assert.equal(await rows.count(), 3);
  await page.getByRole("tab", { name: /All/ }).click();

  // Bookings: from the server, each with exactly the moves it allows.
  await page.getByRole("button", { name: "Bookings", exact: true }).click();
  const bookingRows = page.locator("ul.bookings > li");
  await bookingRows.first().waitFor();
  assert.equal(await bookingRows.count(), 2);
  assert.deepEqual(await bookingRows.nth(0).locator(".booking-actions button").allTextContents(), ["Confirm", "Decline", "Cancel", "Message"]);
  assert.deepEqual(await bookingRows.nth(1).locator(".booking-actions button").allTextContents(), ["Message"], "a cancelled booking offers no move");
  assert.match(await bookingRows.nth(1).textContent(), /with Eric · cancelled by Eric/);
  await page.screenshot({ path: join(shots, "bookings.png") });
  await page.getByRole("button", { name: "Confirm Canon EOS R6, Fri 12 Dec" }).click();
  await page.getByRole("listitem", { name: "Canon EOS R6, Fri 12 Dec, Confirmed" }).waitFor();
  assert.deepEqual(await bookingRows.nth(0).locator(".booking-actions button").allTextContents(), ["Cancel", "Start", "Message"]);
  // Chats: the list with names and unread; a conversation opens at its
  // newest message, scrolling to the top loads the older page without
  // moving what the user reads, and a reply goes out with Enter.
  await page.getByRole("button", { name: "Chats", exact: true }).click();
  await page.getByRole("button", { name: "Chat with Jean, 1 unread" }).click();
  const messages = page.getByRole("list", { name: "Messages" });
  await messages.getByText("Message 21 about the camera").waitFor();
  const newest = messages.getByText("Does the camera come with a spare battery?");
  assert.ok(await newest.isVisible(), "the conversation opens at its newest message");
  const reading = messages.getByText("Message 21 about the camera");
  await messages.evaluate((el) => el.scrollTo(0, 0));
  await messages.getByText("Message 1 about the camera").waitFor({ state: "attached" });
  assert.equal(await page.locator(".message").count(), 70);
  const top = await messages.evaluate((el) => el.getBoundingClientRect().top);
  const kept = await reading.evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(kept >= top - 5, `the message read before the older page stays in view (${kept} vs ${top})`);
  await page.getByLabel("Reply to Jean").fill("Yes, a spare battery comes with it.");
  await page.keyboard.press("Enter");
  await messages.getByText("Sending…").waitFor();
  await page.screenshot({ path: join(shots, "chat.png") });
  await page.getByRole("button", { name: "All conversations" }).click();
  await page.getByRole("button", { name: "Chat with Jean" }).waitFor();
  // Settings: quiet hours on, keyboard only (Tab to the box, Space).
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const quiet = page.getByRole("checkbox", { name: /Quiet hours/ });
  await quiet.focus();
  await page.keyboard.press("Space");
  await page.waitForFunction(() => !document.querySelector('input[type="time"]').disabled);
  await page.getByRole("checkbox", { name: "Sound for messages" }).uncheck();
  await page.screenshot({ path: join(shots, "settings.png") });
  await page.getByRole("button", { name: "Notifications", exact: true }).click();

  // Mark all read.
  await page.getByRole("button", { name: "Mark all read" }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="unread-count"]').textContent === "0 unread");
  assert.equal(await page.locator(".item.unread").count(), 0);
  assert.equal(await page.locator(".badge").count(), 0);

  // Dark theme, then clear all: the empty state.
  await page.getByLabel("Settings").click();
  await page.getByRole("button", { name: "Theme: system" }).click();
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
  await page.getByRole("button", { name: "Theme: light" }).click();
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  await page.getByLabel("Settings").click();
  await page.screenshot({ path: join(shots, "dark.png") });
  await page.getByRole("button", { name: "Clear all" }).click();
  await page.getByText("No notifications yet").waitFor();
  assert.equal(await rows.count(), 0);
  await page.screenshot({ path: join(shots, "empty.png") });

  const calls = await page.evaluate(() => window.__calls.map((c) => c.cmd));
  for (const cmd of ["get_snapshot", "mark_read", "mark_all_read", "clear_all", "set_theme", "update_booking", "set_preferences", "open_chat", "load_older_messages", "send_message"]) {
    assert.ok(calls.includes(cmd), `${cmd} was not called: ${calls}`);
  }
  console.log(`browser test passed; screenshots in ${shots}`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);

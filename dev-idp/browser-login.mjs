#!/usr/bin/env node
// A headless browser that signs in: opens the authorization URL in Debian's
// Chromium, types the login into the provider's form, approves the consent
// screen and follows the redirect to the app's loopback callback.
//
//   node browser-login.mjs <authorization-url> [login]
//
// Usable as $BROWSER for the desktop app and the client core's tests. The
// login defaults to $IDP_LOGIN, then host-amina. `IDP_ACTION=cancel` stops
// at the consent screen and aborts the sign-in instead.
import { chromium } from "playwright-core";

const [url, loginArg] = process.argv.slice(2);
if (!url) {
  console.error("usage: browser-login.mjs <authorization-url> [login]");
  process.exit(2);
}
const login = loginArg ?? process.env.IDP_LOGIN ?? "host-amina";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(url);
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', "any");
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  if (process.env.IDP_ACTION === "cancel") {
    // The consent screen's "Cancel" link aborts the interaction: the app gets
    // `error=access_denied` on its callback.
    await Promise.all([page.waitForNavigation(), page.click('a[href*="abort"]')]);
  } else {
    await Promise.all([page.waitForURL(/127\.0\.0\.1:\d+\/callback/), page.click('button[type="submit"]')]);
  }
  console.log((await page.textContent("body"))?.trim());
} finally {
  await browser.close();
}

// A real realtime server process for tests: started on an ephemeral port
// with a fresh SQLite file, tokens minted by the server's own CLI.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../../..");
export const serverBin = process.env.REALTIME_SERVER ?? join(root, "target/debug/realtime-server");

/** A signed development token (HS256, the `--dev` secret). */
export function token(sub, role, { name, ttl = "1h" } = {}) {
  const args = ["token", "--dev", "--sub", sub, "--role", role, "--ttl", ttl];
  if (name) args.push("--name", name);
  return execFileSync(serverBin, args).toString().trim();
}

/**
 * Starts a server; resolves once it listens. `db` reuses a database (a
 * restart), `bind` a fixed address; extra flags go to `serve`.
 */
export async function startServer({ db, bind = "127.0.0.1:0", flags = [] } = {}) {
  const dir = db ? null : mkdtempSync(join(tmpdir(), "rt-web-"));
  const dbPath = db ?? join(dir, "rt.db");
  const child = spawn(serverBin, ["serve", "--dev", "--bind", bind, "--db", dbPath, ...flags], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${log}`)), 15000);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on("exit", (code) => fail(new Error(`server exited with ${code}:\n${log}`)));
  });
  const service = token("backend", "service");
  return {
    url,
    db: dbPath,
    log: () => log,
    /** Calls the backend API with a service token. */
    async api(method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${service}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    /** Stops the process (SIGTERM) and waits for it. */
    async stop({ keepDb = false } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once("exit", ok));
        child.kill("SIGTERM");
        await exited;
      }
      if (dir && !keepDb) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the next `event` on an emitter-like socket, or fails after `ms`. */
export function next(socket, event, { ms = 5000, where = () => true } = {}) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      fail(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    function on(...args) {
      if (!where(...args)) return;
      clearTimeout(timer);
      socket.off(event, on);
      ok(args);
    }
    socket.on(event, on);
  });
}

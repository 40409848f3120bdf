// The demo page. In development (`npm run demo`, started by
// scripts/demo.sh) two helper routes exist on the Vite server only:
// `/dev/token` mints a development token with the server's own CLI, and
// `/dev/publish` publishes a test notification with a service token.
// The built demo (the browser test) has neither.
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const serverBin = process.env.REALTIME_SERVER ?? resolve(here, "../../target/debug/realtime-server");
const realtimeUrl = process.env.VITE_REALTIME_URL ?? "http://127.0.0.1:8080";

function mint(sub: string, role: string, name?: string): string {
  const args = ["token", "--dev", "--sub", sub, "--role", role, "--ttl", "8h"];
  if (name) args.push("--name", name);
  return execFileSync(serverBin, args).toString().trim();
}

const ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

function devRoutes(): Plugin {
  return {
    name: "urutibiz-dev-routes",
    configureServer(server) {
      server.middlewares.use("/dev/token", (req, res) => {
        const q = new URL(req.url ?? "", "http://x").searchParams;
        const sub = q.get("sub") ?? "";
        const role = q.get("role") ?? "";
        if (!ID.test(sub) || !["host", "renter", "admin"].includes(role)) {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: "sub must be an id, role host, renter or admin" }));
          return;
        }
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ token: mint(sub, role, q.get("name") || undefined) }));
      });
      server.middlewares.use("/dev/publish", async (req, res) => {
        const q = new URL(req.url ?? "", "http://x").searchParams;
        const user = q.get("user") ?? "";
        if (req.method !== "POST" || !ID.test(user)) {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: "POST /dev/publish?user=<id>" }));
          return;
        }
        const answer = await fetch(`${realtimeUrl}/api/v1/publish`, {
          method: "POST",
          headers: { authorization: `Bearer ${mint("demo-backend", "service")}`, "content-type": "application/json" },
          body: JSON.stringify({
            room: `user-${user}`,
            event: "notification",
            data: { type: "booking", title: "Booking request: Canon EOS R6", body: "Aline wants it Friday to Sunday" },
          }),
        });
        res.statusCode = answer.status;
        res.setHeader("content-type", "application/json");
        res.end(await answer.text());
      });
    },
  };
}

export default defineConfig({
  root: here,
  plugins: [react(), devRoutes()],
  define: { __REALTIME_URL__: JSON.stringify(realtimeUrl) },
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  build: { outDir: resolve(here, "dist"), emptyOutDir: true },
});
